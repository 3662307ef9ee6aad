"""The agents the benchmark compares: none, vigil and its peers (bpftrace, libbpf-tools, auditd).

Each agent starts in a scratch directory, names its own processes (for CPU% and RSS) and the BPF
programs it loaded (for kernel cost), and stop() leaves the machine as it found it.
"""

import json
import os
import shutil
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def bpf_programs():
    """Every loaded BPF program, by id, as bpftool describes it."""
    out = subprocess.run(["bpftool", "prog", "show", "--json"],
                         capture_output=True, text=True, check=True).stdout
    return {p["id"]: p for p in json.loads(out or "[]")}


def programs_of(pids):
    """Ids of the BPF programs that processes `pids` hold open (fds of programs and links show
    a prog_id in their fdinfo): what tells an agent's programs from anyone else's."""
    ids = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fdinfo")
        except OSError:
            continue
        for fd in fds:
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    for line in f:
                        if line.startswith("prog_id:"):
                            ids.add(int(line.split()[1]))
            except OSError:
                pass
    return ids


def stop_process(proc, grace=10):
    """SIGINT (agents flush and print final counters on it), then SIGKILL after `grace` s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Agent:
    """No agent at all: the baseline every other column is divided by."""
    name = "none"
    packages = []

    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []
        self.programs = set()

    def missing(self):
        """Why this agent cannot run here, or None."""
        return None

    def start(self):
        pass

    def pids(self):
        return [p.pid for p in self.procs]

    def stop(self):
        for proc in self.procs:
            stop_process(proc)
        self.procs = []

    def spawn(self, argv, log_name):
        self.log_path = os.path.join(self.workdir, log_name)
        with open(self.log_path, "ab") as log:
            self.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                               stdin=subprocess.DEVNULL, cwd=self.workdir))

    def log_tail(self, lines=3):
        """The end of the last spawned process's log: the scratch dir is gone after the run."""
        with open(self.log_path, errors="replace") as f:
            return " / ".join(f.read().strip().splitlines()[-lines:])

    def wait_for_programs(self, minimum, timeout=60):
        """Waits until each of the agent's processes holds BPF programs, at least `minimum` in
        all, and their number has not changed for half a second. Fails early if an agent
        process died."""
        deadline = time.monotonic() + timeout
        seen, stable_since = set(), time.monotonic()
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with status {proc.returncode}: "
                                       + self.log_tail())
            now = programs_of(self.pids())
            every_process = all(programs_of([p]) for p in self.pids())
            if now != seen:
                seen, stable_since = now, time.monotonic()
            elif (every_process and len(seen) >= minimum
                  and time.monotonic() - stable_since >= 0.5):
                self.programs = seen
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: BPF programs not loaded after {timeout}s")


class Vigil(Agent):
    """vigil as `make run` deploys it: default profile and the rules (alerts out), with stats
    lines every half second, plus `extra` options."""
    name = "vigil"

    def __init__(self, workdir, binary, rules_dir=None, extra=()):
        super().__init__(workdir)
        self.binary = binary
        self.rules_dir = rules_dir
        self.extra = list(extra)
        self.output = os.path.join(workdir, "vigil.jsonl")

    def missing(self):
        if not os.access(self.binary, os.X_OK):
            return f"{self.binary} is not built yet"
        return None

    def start(self):
        argv = [self.binary, "run", "--format", "json", "--output", self.output,
                "--profile", "default", "--stats-interval", "0.5", "--no-pin"]
        if self.rules_dir:
            argv += ["--rules", self.rules_dir]
        self.spawn(argv + self.extra, "vigil.log")
        self.wait_for_programs(minimum=1)
        # Programs attach before the reader runs: the first stats line says it is reading.
        deadline = time.monotonic() + 60
        while self.last_stats() is None:
            if self.procs[0].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("vigil wrote no stats line: " + self.log_tail())
            time.sleep(0.1)
        self.programs = programs_of(self.pids())

    def last_stats(self):
        """The newest {"kind":"stats"} line vigil wrote, or None."""
        last = None
        try:
            with open(self.output, errors="replace") as f:
                for line in f:
                    if '"stats"' in line:
                        try:
                            record = json.loads(line)
                        except ValueError:
                            continue
                        if record.get("kind") == "stats":
                            last = record
        except FileNotFoundError:
            pass
        return last


DENY_RULES = """- rule: Bench deny exec
  desc: puts every exec on this filesystem on the fanotify permission path
  condition: evt.type = exec and proc.exe pmatch (%(exec_dir)s)
  output: "denied %%exec.filename"
  priority: critical
  action: deny
- rule: Bench deny open
  desc: puts every open on this filesystem on the fanotify permission path
  condition: evt.type = open and file.path pmatch (%(open_dir)s)
  output: "denied %%file.path"
  priority: critical
  action: deny
"""


class VigilDeny(Vigil):
    """vigil with deny rules that no workload trips but that put every exec on the root
    filesystem (where /bin/true is) and every open on the files workload's tmpfs on the fanotify
    permission path: its exec and files columns are what deny rules cost."""
    name = "vigil+deny"

    def __init__(self, workdir, binary, rules_dir, files_dir):
        rules = os.path.join(workdir, "deny.yaml")
        with open(rules, "w") as f:
            f.write(DENY_RULES % {"exec_dir": os.path.join(workdir, "denied-bin"),
                                  "open_dir": files_dir.rstrip("/") + "-denied"})
        super().__init__(workdir, binary, rules_dir, ["--rules", rules])
        self.output = os.path.join(workdir, "vigil-deny.jsonl")
class VigilTrackers(Vigil):
    """vigil as `make run` deploys it plus the trackers (`--trackers`, a metrics snapshot
    every second): its columns against vigil's are what the trackers cost when on; vigil's
    own are what they cost when off (no tracker program is loaded without --trackers, which
    the kernel cost table shows: no vg_track_* program under vigil)."""
    name = "vigil+trackers"

    def __init__(self, workdir, binary, rules_dir):
        super().__init__(workdir, binary, rules_dir, ["--trackers", "--metrics-interval", "1"])
        self.output = os.path.join(workdir, "vigil-trackers.jsonl")


class VigilTools(Agent):
    """vigil's tools as an operator leaves them running: `vigil top` and every `vigil trace`
    tool at once, each writing JSON lines to its own file in the scratch directory. Their
    programs show one by one in the kernel cost table (vg_tool_<tool>_<hook>)."""
    name = "vigil-tools"

    def __init__(self, workdir, binary):
        super().__init__(workdir)
        self.binary = binary

    def missing(self):
        if not os.access(self.binary, os.X_OK):
            return f"{self.binary} is not built yet"
        return None

    def tools(self):
        out = subprocess.run([self.binary, "trace", "--list", "--format", "json"], capture_output=True,
                             text=True, check=True).stdout
        return [t["tool"] for t in json.loads(out)["tools"] if t["available"]]

    def start(self):
        tools = self.tools()
        for tool in tools:
            self.spawn([self.binary, "trace", tool, "--format", "json"], f"{tool}.out")
        self.spawn([self.binary, "top", "--format", "json", "--interval", "1"], "top.out")
        self.wait_for_programs(minimum=len(tools) + 1)


class Bpftrace(Agent):
    name = "bpftrace"
    packages = ["bpftrace"]

    def start(self):
        self.spawn(["bpftrace", "-o", os.path.join(self.workdir, "bpftrace.out"),
                    os.path.join(HERE, "peers", "peer.bt")], "bpftrace.log")
        self.wait_for_programs(minimum=7)


class LibbpfTools(Agent):
    """execsnoop + opensnoop + tcpstates: tcpconnect and bindsnoop need kprobes, which this
    kernel lacks; tcpstates sees connects through the sock:inet_sock_set_state tracepoint."""
    name = "libbpf-tools"
    packages = ["libbpf-tools"]
    tools = ["execsnoop", "opensnoop", "tcpstates"]

    def missing(self):
        absent = [t for t in self.tools if not shutil.which(t, path="/usr/sbin:/usr/bin")]
        return f"missing {' '.join(absent)}" if absent else None

    def start(self):
        for tool in self.tools:
            self.spawn([shutil.which(tool, path="/usr/sbin:/usr/bin")], f"{tool}.out")
        self.wait_for_programs(minimum=len(self.tools))


def auditctl(*args):
    return subprocess.run(["auditctl", *args], capture_output=True, text=True, check=True).stdout


def audit_status():
    """`auditctl -s` as a dict of integers."""
    status = {}
    for line in auditctl("-s").splitlines():
        key, _, value = line.partition(" ")
        if value.split()[0].lstrip("-").isdigit():
            status[key] = int(value.split()[0])
    return status


class Auditd(Agent):
    """auditd with rules on the syscalls behind vigil's default events. Its log goes to the
    scratch directory; the audit enable flag, backlog limit and rules are restored on stop."""
    name = "auditd"
    packages = ["auditd"]

    def __init__(self, workdir):
        super().__init__(workdir)
        self.saved = None

    def missing(self):
        if not shutil.which("auditd", path="/usr/sbin:/sbin"):
            return "auditd is not installed"
        status = audit_status()
        if status.get("pid", 0):
            return f"an audit daemon (pid {status['pid']}) already runs; not touching it"
        if auditctl("-l").strip() != "No rules":
            return "audit rules are already loaded; not touching them"
        return None

    def start(self):
        self.saved = audit_status()
        confdir = os.path.join(self.workdir, "audit")
        os.makedirs(confdir, exist_ok=True)
        with open("/etc/audit/auditd.conf") as f:
            conf = [line for line in f if not line.startswith("log_file")]
        conf.append(f"log_file = {confdir}/audit.log\n")
        path = os.path.join(confdir, "auditd.conf")
        with open(path, "w") as f:
            f.writelines(conf)
        os.chmod(path, 0o600)
        # -n: stay in the foreground as our child, so that we stop and reap it ourselves.
        self.spawn(["auditd", "-n", "-c", confdir], "auditd.log")
        for _ in range(50):
            if audit_status().get("pid", 0) == self.procs[0].pid:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("auditd did not register with the kernel")
        auditctl("-b", "8192")  # what Debian's own audit.rules sets
        auditctl("-R", os.path.join(HERE, "peers", "audit.rules"))

    def pids(self):
        """The daemon and the kernel thread that hands it the records."""
        pids = super().pids()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/comm") as f:
                        if f.read().strip() == "kauditd":
                            pids.append(int(entry))
                except OSError:
                    pass
        return pids

    def stop(self):
        if self.saved is None:
            return
        auditctl("-D")
        for proc in self.procs:
            proc.terminate()
            proc.wait(10)
        self.procs = []
        auditctl("-e", str(self.saved.get("enabled", 0)))
        auditctl("-b", str(self.saved.get("backlog_limit", 64)))
        self.saved = None

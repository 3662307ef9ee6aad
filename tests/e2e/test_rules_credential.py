"""Credential-access rules (rules/credential.yaml) end to end: each rule is triggered by a
real child process, and its closest ordinary counterpart must stay quiet."""
import os
import shutil
import subprocess
import tempfile

from vigiltest import check, marker, rules_agent, run_quiet, sh, trigger

agent = None


def setup_module():
    global agent
    agent = rules_agent()


def teardown_module():
    agent.stop()


def test_password_or_sudoers_file_opened():
    rule = "Password or sudoers file opened"
    agent.no_alert(rule, sh("chage -l root; cat /etc/passwd"))  # account tool reading shadow; passwd is public
    ev = trigger(agent.alert(rule, sh("cat /etc/shadow")))
    check(ev["file"]["path"] == "/etc/shadow" and ev["proc"]["comm"] == "cat", ev)
    check(ev["file"]["flag_names"].startswith("O_RDONLY"), ev["file"])
    # an attempt by a user without the rights counts too
    ev = trigger(agent.alert(rule, run_quiet(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                              "cat", "/etc/gshadow"])))
    check(ev["file"]["path"] == "/etc/gshadow" and ev["ret"] == -13 and ev["proc"]["uid"] == 65534, ev)

    d = tempfile.mkdtemp(prefix=marker())
    try:
        link = os.path.join(d, "s")
        ev = trigger(agent.alert(rule, sh('ln /etc/shadow "$0"', link)))  # staged under another name
        check(ev["event"] == "link" and ev["file"]["path"] == "/etc/shadow" and ev["file"]["newpath"] == link, ev)
    finally:
        shutil.rmtree(d)


def make_keys(d, names):
    ssh = os.path.join(d, ".ssh")
    os.makedirs(ssh)
    first = os.path.join(ssh, names[0])
    check(run_quiet(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", marker(), "-f", first]) and os.path.exists(first))
    for n in names[1:]:
        shutil.copy(first, os.path.join(ssh, n))
    with open(os.path.join(ssh, "known_hosts"), "w") as f:
        f.write("localhost ssh-ed25519 AAAA\n")
    return [os.path.join(ssh, n) for n in names]


def test_ssh_private_key_read_by_non_ssh_program():
    rule = "SSH private key read by non-SSH program"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        key, = make_keys(d, ["id_ed25519"])
        # near miss: ssh-keygen derives the public key; anyone reads public files
        agent.no_alert(rule, sh('ssh-keygen -y -f "$0"; cat "$0.pub" "$1"', key, os.path.join(d, ".ssh", "known_hosts")))
        ev = trigger(agent.alert(rule, sh('cat "$0"', key)))
        check(ev["file"]["path"] == key and ev["proc"]["comm"] == "cat", ev)
    finally:
        shutil.rmtree(d)


def test_ssh_private_keys_swept():
    rule = "SSH private keys swept"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        keys = make_keys(d, ["id_rsa", "id_ecdsa", "deploy-prod"])
        agent.no_alert(rule, sh('cat "$0" "$0" "$0"', keys[0]))  # one key read three times
        a = agent.alert(rule, sh('cat "$0" "$1" "$2"', *keys))
        check(sorted(e["file"]["path"] for e in a["events"]) == sorted(keys), [e["file"]["path"] for e in a["events"]])
        check(len({e["proc"]["pid"] for e in a["events"]}) == 1, "evidence from several processes")
    finally:
        shutil.rmtree(d)


def test_search_for_private_keys():
    rule = "Search for private keys"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        agent.no_alert(rule, sh('find "$0" -name "*.txt"; grep -r TODO "$0"', d))  # ordinary searches
        ev = trigger(agent.alert(rule, sh('find "$0" -name id_rsa', d)))
        check(ev["proc"]["comm"] == "find" and "id_rsa" in ev["exec"]["argv"], ev["exec"])
        ev = trigger(agent.alert(rule, sh('grep -rl "PRIVATE KEY" "$0"', d)))
        check(ev["proc"]["comm"] == "grep", ev["proc"])
    finally:
        shutil.rmtree(d)


def test_process_memory_file_opened():
    rule = "Process memory file opened"
    victim = subprocess.Popen(["sleep", "5"])
    try:
        agent.no_alert(rule, sh('cat "/proc/$0/status" "/proc/$0/maps"', str(victim.pid)))  # what ps and pmap read
        pid = run_quiet(["python3", "-c", "import sys; open('/proc/%s/mem' % sys.argv[1], 'rb').close()", str(victim.pid)])
        ev = trigger(agent.alert(rule, pid))
        check(ev["file"]["path"] == "/proc/%d/mem" % victim.pid and ev["proc"]["pid"] == pid, ev)
    finally:
        victim.kill()
        victim.wait()


PVM = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
class iov(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
secret = ctypes.create_string_buffer(b"hunter2", 64)
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
target = child if sys.argv[1] == "other" else os.getpid()
out = ctypes.create_string_buffer(64)
local, remote = iov(ctypes.addressof(out), 64), iov(ctypes.addressof(secret), 64)
n = libc.process_vm_readv(target, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
os.kill(child, 9)
sys.exit(0 if n == 64 and out.value == b"hunter2" else 1)
"""


def test_memory_of_another_process_read():
    rule = "Memory of another process read"
    p = subprocess.Popen(["python3", "-c", PVM, "self"])  # a process reading its own memory
    check(p.wait() == 0, "process_vm_readv of self failed")
    agent.no_alert(rule, p.pid)
    p = subprocess.Popen(["python3", "-c", PVM, "other"])
    check(p.wait() == 0, "process_vm_readv of the child failed")
    ev = trigger(agent.alert(rule, p.pid))
    check(ev["pvm"]["op"] == "read" and ev["pvm"]["bytes"] == 64, ev["pvm"])
    check(ev["pvm"]["target_pid"] != p.pid and ev["proc"]["pid"] == p.pid, ev)


ATTACH = """
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
ok = libc.ptrace(16, child, 0, 0) == 0
os.waitpid(child, 0)
libc.ptrace(17, child, 0, 0)
os.kill(child, 9)
sys.exit(0 if ok else 1)
"""


def test_ptrace_attach_to_another_process():
    rule = "Ptrace attach to another process"
    # near miss: a developer at a terminal running strace (script gives it a pty)
    agent.no_alert(rule, run_quiet(["script", "-qec", "strace -f -o /dev/null /bin/true", "/dev/null"]))

    p = subprocess.Popen(["python3", "-c", ATTACH])
    check(p.wait() == 0, "PTRACE_ATTACH failed")
    ev = trigger(agent.alert(rule, p.pid))
    check(ev["ptrace"]["request_name"] == "ATTACH" and ev["ptrace"]["target_pid"] != p.pid, ev["ptrace"])
    check(ev["proc"]["pid"] == p.pid, ev["proc"])

    ev = trigger(agent.alert(rule, run_quiet(["strace", "-o", "/dev/null", "/bin/true"])))  # no terminal
    check(ev["proc"]["comm"] == "strace" and ev["ptrace"]["request_name"] == "SEIZE", ev["ptrace"])

"""Credential-access rules (rules/credential.yaml) end to end: each rule is triggered by a
real child process, and its closest ordinary counterpart must stay quiet."""
import os
import shutil
import subprocess
import tempfile

from corpus import attack, benign, trigger_and_near_miss
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
    # near misses: a developer at a terminal running strace (script gives it a pty), and
    # tracers following the children they forked themselves (strace CMD, a fork attached)
    near = [run_quiet(["script", "-qec", "strace -f -o /dev/null /bin/true", "/dev/null"]),
            run_quiet(["strace", "-f", "-o", "/dev/null", "/bin/true"])]
    own = subprocess.Popen(["python3", "-c", ATTACH])
    check(own.wait() == 0, "PTRACE_ATTACH of its own fork failed")
    near.append(own.pid)

    victim = subprocess.Popen(["sleep", "5"])
    try:
        p = subprocess.Popen(["python3", "-c", ATTACH_OTHER, str(victim.pid)])
        check(p.wait() == 0, "PTRACE_ATTACH failed")
        ev = trigger(trigger_and_near_miss(agent, rule, p.pid, near))
        check(ev["ptrace"]["request_name"] == "ATTACH" and ev["ptrace"]["target_pid"] == victim.pid, ev["ptrace"])
        check(ev["proc"]["pid"] == p.pid, ev["proc"])

        # strace attaching to a running program, with no terminal
        ev = trigger(agent.alert(rule, run_quiet(["timeout", "1", "strace", "-o", "/dev/null", "-p", str(victim.pid)])))
        check(ev["proc"]["comm"] == "strace" and ev["ptrace"]["target_pid"] == victim.pid, ev["ptrace"])
    finally:
        victim.kill()
        victim.wait()


ATTACH_OTHER = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
pid = int(sys.argv[1])
ok = libc.ptrace(16, pid, 0, 0) == 0
if ok:
    os.waitpid(pid, 0)
    libc.ptrace(17, pid, 0, 0)
sys.exit(0 if ok else 1)
"""


# ---- triggers from the attack corpus (tests/attack), near misses beside them ----------

def test_packaged_script_and_sudoers_directory_are_not_password_reads():
    rule = "Password or sudoers file opened"
    trigger_and_near_miss(agent, rule, attack("T1003.008-shell-builtin-read"),
                          [benign("find-from-root"), benign("service-status")])


def test_search_for_cloud_or_service_credentials():
    rule = "Search for cloud or service credentials"
    near = sh("find /etc -maxdepth 1 -name '*.conf' >/dev/null; grep -r --include=*.py credentials /nonexistent 2>/dev/null; true")
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1552.001-find-cloud-credentials"), [near]))
    check(ev["proc"]["comm"] in ("find", "grep"), ev["proc"])


def test_recursive_search_for_passwords():
    rule = "Recursive search for passwords"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('echo "password = x" > "$0/settings.py"; grep -rn password "$0" >/dev/null', d)  # a project
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1552.001-grep-passwords"), [near]))
        check(ev["proc"]["comm"] == "grep" and "/etc" in ev["exec"]["argv"], ev["exec"])
    finally:
        shutil.rmtree(d)


def test_shell_history_read_by_another_program():
    rule = "Shell history read by another program"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('echo ls > "$0/.bash_history"; HISTFILE="$0/.bash_history" bash -ic true </dev/null', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1552.003-history-grep"), [near]))
        check(ev["file"]["path"].endswith("/.bash_history") and ev["proc"]["comm"] in ("cat", "grep"), ev)
    finally:
        shutil.rmtree(d)


def test_gnupg_private_keys_read_by_another_program():
    rule = "GnuPG private keys read by another program"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('mkdir -p "$0/.gnupg" && echo x > "$0/.gnupg/pubring.kbx" && cat "$0/.gnupg/pubring.kbx" >/dev/null', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1552.004-copy-gnupg"), [near]))
        check("/private-keys-v1.d/" in ev["file"]["path"] and ev["proc"]["comm"] == "cp", ev)
    finally:
        shutil.rmtree(d)


def test_browser_credential_store_read_by_another_program():
    rule = "Browser credential store read by another program"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('p="$0/.mozilla/firefox/x.default"; mkdir -p "$p" && echo x > "$p/prefs.js" && cat "$p/prefs.js" >/dev/null', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1555.003-browser-credentials"), [near]))
        check(ev["proc"]["comm"] == "cp", ev["proc"])
    finally:
        shutil.rmtree(d)


def test_cloud_instance_metadata_requested():
    rule = "Cloud instance metadata requested"
    near = sh("curl -s -m 1 http://127.0.0.1:1/latest/meta-data/ >/dev/null 2>&1; true")
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1552.005-cloud-metadata"), [near]))
    check(ev["net"]["dip"] == "169.254.169.254" and ev["net"]["dport"] == 80, ev["net"])


def test_repeated_ssh_login_attempts():
    rule = "Repeated SSH login attempts"
    near = sh("for i in 1 2 3; do ssh -o BatchMode=yes -o ConnectTimeout=1 -p 22 x@127.0.0.1 true 2>/dev/null; done; true")
    a = trigger_and_near_miss(agent, rule, attack("T1110.004-ssh-stuffing"), [near])
    check(len(a["events"]) >= 10 and all(e["net"]["dport"] == 22 for e in a["events"]), len(a["events"]))

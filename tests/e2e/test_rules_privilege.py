"""Privilege-escalation rules (rules/privilege.yaml) end to end: setuid bits set for real,
root regained through an untracked ia32 setresuid (the int80 helper), a python copy
given cap_setuid and run as nobody calling setuid(0), a setuid bash copy run with -p as
nobody, a sudoers.d file, su run below a program named like a web server, and an ambient
capability raised with capset + prctl. Each has a near-miss that must not alert. Copies
live in a marker directory that is removed; system files created are removed."""
import os
import shutil
import subprocess
import tempfile

from corpus import attack, trigger_and_near_miss
from vigiltest import check, copy_as, helper, marker, rules_agent, sh, trigger

PY = "/usr/bin/python3"
NOBODY = 65534
agent = None
base = None


def setup_module():
    global agent, base
    base = os.path.realpath(tempfile.mkdtemp(prefix=marker() + "-"))
    os.chmod(base, 0o755)
    agent = rules_agent()


def teardown_module():
    agent.stop()
    shutil.rmtree(base, ignore_errors=True)


def run(cmd, ok=True, **kw):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    rc = p.wait(timeout=20)
    check(not ok or rc == 0, "%s exited %d" % (cmd, rc))
    return p.pid


def as_nobody(cmd, ok=True):
    return run(cmd, ok=ok, user=NOBODY, group=NOBODY, extra_groups=[])


# ---- setuid and setgid bits -------------------------------------------------------------

def test_setuid_bit_set_by_chmod():
    target = copy_as(base, "/usr/bin/true", "helper")
    pid = run([PY, "-c", "import os\nos.chmod(%r, 0o4755)\n" % target])
    a = agent.expect("Setuid or setgid bit set", pid=pid)
    f = trigger(a)["file"]
    check(trigger(a)["event"] == "chmod" and f["path"] == target and f["setuid"] is True, f)
    check("T1548.001" in a["tags"] and target in a["output"], a)


def test_setgid_file_created():
    path = os.path.join(base, marker())
    pid = run([PY, "-c", "import os\nos.umask(0)\nos.close(os.open(%r, os.O_CREAT | os.O_WRONLY, 0o2755))\n" % path])
    f = trigger(agent.expect("Setuid or setgid bit set", pid=pid))["file"]
    check(f["path"] == path and f["setgid"] is True and f["setuid"] is False, f)


def test_plain_chmod_is_not_alerted():
    target = copy_as(base, "/usr/bin/true", "tool")
    pid = run([PY, "-c", "import os\nos.chmod(%r, 0o755)\nos.chmod(%r, 0o700)\n" % (target, target)])
    agent.expect_none("Setuid or setgid bit set", pid=pid)


# ---- root without a setuid program ---------------------------------------------------------

def test_root_regained_through_untracked_syscall_then_exec():
    pid = run([helper("int80"), "exec-root", "/usr/bin/true"])
    a = agent.expect("Root gained without setuid program", pid=pid)
    p = trigger(a)["privesc"]
    check(trigger(a)["event"] == "privilege_escalation" and p["reason"] == "exec", p)
    check(p["base_uid"] == 1000 and p["uid"] == 0 and p["exe"] == "/usr/bin/true", p)
    check(a["priority"].lower() == "critical" and "T1068" in a["tags"], a)


def test_root_regained_through_untracked_syscall_then_setuid():
    pid = run([helper("int80"), "setid-root"])
    p = trigger(agent.expect("Root gained without setuid program", pid=pid))["privesc"]
    check(p["reason"] == "setid" and p["euid"] == 0, p)


def test_tracked_drop_and_regain_is_not_escalation():
    code = "import os\nos.setresuid(1000, 1000, 0)\nos.setresuid(0, 0, 0)\nos.execv('/usr/bin/true', ['true'])\n"
    pid = run([PY, "-c", code])
    agent.expect_none("Root gained without setuid program", pid=pid)


# ---- CAP_SETUID and setuid interpreters ------------------------------------------------------

def test_cap_setuid_interpreter_becomes_root():
    py = copy_as(base, os.path.realpath(PY), "python3")
    subprocess.run(["setcap", "cap_setuid+ep", py], check=True)
    pid = as_nobody([py, "-c", "import os\nos.setuid(0)\nassert os.getuid() == 0\n"])
    a = agent.expect("Root obtained through CAP_SETUID", pid=pid)
    c = trigger(a)["cred"]
    check(c["old_uid"] == NOBODY and c["new_uid"] == 0 and c["syscall"] == "setuid", c)
    b = agent.expect("Shell or interpreter switched to root", pid=pid)
    check(trigger(b)["proc"]["exe"] == py and "python3" in b["output"], b["output"])


def test_interpreter_without_capability_cannot_and_is_not_alerted():
    py = copy_as(base, os.path.realpath(PY), "python3")
    code = "import os\ntry:\n    os.setuid(0)\nexcept PermissionError:\n    pass\n"
    pid = as_nobody([py, "-c", code])
    agent.expect_none("Root obtained through CAP_SETUID", pid=pid)
    agent.expect_none("Shell or interpreter switched to root", pid=pid)


def test_setuid_bash_copy_run_as_nobody():
    bash = copy_as(base, "/usr/bin/bash", "bash", mode=0o4755)
    pid = as_nobody([bash, "-p", "-c", "test $(id -u) -eq 0"])
    a = agent.expect("Setuid shell or writable-path program run as root", pid=pid)
    p = trigger(a)["proc"]
    check(p["pid"] == pid and p["uid"] == NOBODY and p["euid"] == 0 and p["exe"] == bash, p)


def test_system_setuid_program_run_as_nobody_is_not_alerted():
    pid = as_nobody(["/usr/bin/su", "--version"])
    agent.expect_none("Setuid shell or writable-path program run as root", pid=pid)


# ---- sudoers and privilege switchers ------------------------------------------------------------

def test_sudoers_d_file_created():
    made = not os.path.exists("/etc/sudoers.d")
    if made:
        os.mkdir("/etc/sudoers.d", 0o750)
    path = "/etc/sudoers.d/" + marker()
    try:
        code = "import os\nfd = os.open(%r, os.O_CREAT | os.O_WRONLY, 0o440)\nos.write(fd, b'# test\\n')\n" % path
        pid = run([PY, "-c", code])
        a = agent.expect("Sudoers configuration modified", pid=pid)
        check(trigger(a)["file"]["path"] == path and "T1548.003" in a["tags"], a)
    finally:
        os.unlink(path)
        if made:
            os.rmdir("/etc/sudoers.d")


def test_file_next_to_sudoers_is_not_alerted():
    path = "/etc/sudoers.d-notes-" + marker()  # pmatch: /etc/sudoers.d is not its prefix
    try:
        pid = run([PY, "-c", "open(%r, 'w').write('x')\n" % path])
        agent.expect_none("Sudoers configuration modified", pid=pid)
    finally:
        os.unlink(path)


def su_from(server_name):
    fake = copy_as(base, os.path.realpath(PY), server_name)
    return run([fake, "-c", "import subprocess\nsubprocess.run(['su', '--version'], stdout=subprocess.DEVNULL)\n"])


def test_su_run_below_web_server():
    pid = su_from("nginx")
    a = agent.expect("Privilege switch below a server", pid=pid)
    check(trigger(a)["proc"]["comm"] == "su" and trigger(a)["proc"]["ppid"] == pid, trigger(a)["proc"])


def test_su_run_by_ordinary_program_is_not_alerted():
    pid = su_from("report-worker")
    agent.expect_none("Privilege switch below a server", pid=pid)


def test_file_capability_used_by_non_root():
    py = copy_as(base, os.path.realpath(PY), "python3")
    subprocess.run(["setcap", "cap_dac_read_search+ep", py], check=True)
    pid = as_nobody([py, "-c", "open('/etc/shadow').read()\n"])
    a = agent.expect("Dangerous capability used by non-root process", pid=pid)
    ev = trigger(a)
    check(ev["cap"]["name"] == "CAP_DAC_READ_SEARCH" and ev["cap"]["granted"] is True, ev["cap"])
    check(ev["proc"]["uid"] == NOBODY and ev["proc"]["exe"] == py, ev["proc"])


def test_root_reading_shadow_and_nobody_without_caps_are_not_alerted():
    pid = run([PY, "-c", "open('/etc/shadow').read()\n"])
    pid2 = as_nobody([PY, "-c", "open('/etc/hostname').read()\n"])
    for p in (pid, pid2):
        agent.expect_none("Dangerous capability used by non-root process", pid=p)


# ---- ambient capabilities ---------------------------------------------------------------------

AMBIENT = """import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class Hdr(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]
hdr, data = Hdr(0x20080522, 0), (Data * 2)()
assert libc.capget(ctypes.byref(hdr), data) == 0
data[0].inheritable |= 1 << 10  # CAP_NET_BIND_SERVICE
assert libc.capset(ctypes.byref(hdr), data) == 0
op = int(sys.argv[1])
assert libc.prctl(47, op, 10 if op == 2 else 0, 0, 0) == 0, ctypes.get_errno()
"""


def test_ambient_capability_raised():
    pid = run([PY, "-c", AMBIENT, "2"])  # PR_CAP_AMBIENT_RAISE
    a = agent.expect("Ambient capability raised", pid=pid)
    p = trigger(a)["prctl"]
    check(p["option_name"] == "PR_CAP_AMBIENT" and p["arg2"] == 2, p)


def test_ambient_clear_is_not_alerted():
    pid = run([PY, "-c", AMBIENT, "4"])  # PR_CAP_AMBIENT_CLEAR_ALL
    agent.expect_none("Ambient capability raised", pid=pid)


def test_file_capability_granted():
    rule = "File capability granted"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('cp /bin/true "$0/srv" && setcap cap_net_bind_service+ep "$0/srv"; getcap "$0/srv" >/dev/null', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1548.001-setcap-interpreter"), [near]))
        check(ev["proc"]["comm"] == "setcap" and "cap_setuid+ep" in ev["exec"]["argv"], ev["exec"])
    finally:
        shutil.rmtree(d)

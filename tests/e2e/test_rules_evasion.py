"""Defense-evasion rules (rules/evasion.yaml) end to end: each rule is triggered by a real
child process doing the behaviour, and its closest ordinary counterpart must stay quiet."""
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


def test_shell_history_deleted_or_truncated():
    rule = "Shell history deleted or truncated"
    d = tempfile.mkdtemp(prefix=marker())
    hist = os.path.join(d, ".bash_history")
    try:
        # near miss: bash saving its history (temporary file renamed over it) and appending
        benign = sh('echo "echo old" >> "$0"; '
                    'HISTFILE="$0" bash -c "set -o history; echo hi >/dev/null; history -w"; '
                    'echo "ls" >> "$0"', hist)
        agent.no_alert(rule, benign)

        ev = trigger(agent.alert(rule, sh(': > "$0"', hist)))
        check(ev["event"] == "open" and ev["file"]["path"] == hist, ev)
        check("O_TRUNC" in ev["file"]["flag_names"], ev["file"])

        ev = trigger(agent.alert(rule, sh('rm -f "$0"', hist)))
        check(ev["event"] == "unlink" and ev["file"]["path"] == hist, ev)

        ev = trigger(agent.alert(rule, sh('ln -s /dev/null "$0"', hist)))
        check(ev["event"] == "link" and ev["file"]["newpath"] == hist, ev)
    finally:
        shutil.rmtree(d)


def test_log_file_deleted_or_truncated():
    rule = "Log file deleted or truncated"
    log = "/var/log/%s.log" % marker()
    try:
        agent.no_alert(rule, sh('echo "started" >> "$0"; echo "line 1.2.3.4" >> "$0"', log))  # a service logging

        ev = trigger(agent.alert(rule, sh(': > "$0"', log)))
        check(ev["event"] == "open" and ev["file"]["path"] == log and "O_TRUNC" in ev["file"]["flag_names"], ev)

        sh('echo "line 1.2.3.4" >> "$0"', log)
        ev = trigger(agent.alert(rule, sh('sed -i "/1.2.3.4/d" "$0"', log)))
        check(ev["event"] == "rename" and ev["file"]["newpath"] == log and ev["proc"]["comm"] == "sed", ev)

        ev = trigger(agent.alert(rule, sh('rm "$0"', log)))
        check(ev["event"] == "unlink" and ev["file"]["path"] == log, ev)
    finally:
        if os.path.exists(log):
            os.unlink(log)


def test_running_executable_deleted():
    rule = "Running executable deleted"
    d = tempfile.mkdtemp()
    implant = os.path.join(d, "implant-" + marker())
    tool = os.path.join(d, "tool-" + marker())
    try:
        shutil.copy("/bin/sh", implant)
        shutil.copy("/bin/sh", tool)
        # near miss: a program runs and exits, then someone else deletes it (make clean)
        p = subprocess.Popen([tool, "-c", "true"])
        p.wait()
        os.unlink(tool)
        found = agent.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == rule
                               and e["events"][-1].get("file", {}).get("path") == tool, timeout=1.0)
        check(not found, "deleting an exited program alerted: %s" % found)

        p = subprocess.Popen([implant, "-c", 'rm -f "$0"; sleep 0.2', implant])
        p.wait()
        a = agent.alert(rule, p.pid)
        check([e["event"] for e in a["events"]] == ["exec", "unlink"], a["events"])
        check(a["events"][0]["proc"]["pid"] == p.pid and a["events"][0]["proc"]["exe"] == implant, a["events"][0])
        check(trigger(a)["file"]["path"] == implant and trigger(a)["proc"]["comm"] == "rm", trigger(a))
    finally:
        shutil.rmtree(d)


def test_hidden_file_created_in_system_directory():
    rule = "Hidden file created in system directory"
    m = marker()
    project = tempfile.mkdtemp(prefix=m)
    paths = ["/tmp/%s-visible" % m, "/dev/shm/.%s" % m, "/tmp/.%s-moved" % m]
    try:
        # near miss: an ordinary file in /tmp and a dotfile inside a project directory
        agent.no_alert(rule, sh('cp /bin/true "$0"; touch "$1/.gitignore"', paths[0], project))

        ev = trigger(agent.alert(rule, sh('cp /bin/true "$0"', paths[1])))
        check(ev["event"] == "create_file" and ev["file"]["path"] == paths[1], ev)

        ev = trigger(agent.alert(rule, sh('mv "$0" "$1"', paths[0], paths[2])))
        check(ev["event"] == "rename" and ev["file"]["newpath"] == paths[2], ev)
    finally:
        shutil.rmtree(project)
        for p in paths:
            if os.path.exists(p):
                os.unlink(p)


def test_program_started_under_a_kernel_threads_name():
    rule = "Program started under a kernel thread's name"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        agent.no_alert(rule, sh('env [ -f /etc/passwd ]'))  # the [ program: argv[0] is a bracket
        ev = trigger(agent.alert(rule, sh('exec bash -c \'exec -a "[kworker/0:1]" sleep 0.1\'')))
        check(ev["exec"]["argv"][0] == "[kworker/0:1]" and ev["proc"]["exe"] == "/usr/bin/sleep", ev["exec"])
        miner = os.path.join(d, "kswapd0")
        shutil.copy("/bin/true", miner)
        ev = trigger(agent.alert(rule, sh('"$0"', miner)))
        check(ev["proc"]["comm"] == "kswapd0" and ev["proc"]["exe"] == miner, ev["proc"])
    finally:
        shutil.rmtree(d)


PRCTL = ("import ctypes, sys; ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0); "
         "open('/proc/self/comm').read()")


def rename_self(python, name, *extra):
    p = subprocess.Popen([python, "-c", PRCTL, name] + list(extra))
    p.wait()
    return p.pid


def test_process_renamed_to_look_like_a_kernel_thread():
    rule = "Process renamed to look like a kernel thread"
    m = marker()
    agent.no_alert(rule, rename_self("python3", "worker-pool-1", m))  # ordinary thread naming
    ev = trigger(agent.alert(rule, rename_self("python3", "kworker/0:2", m)))
    check(ev["prctl"]["new_name"] == "kworker/0:2" and ev["prctl"]["option_name"] == "PR_SET_NAME", ev["prctl"])
    ev = trigger(agent.alert(rule, rename_self("python3", "[kthreadd]", m)))
    check(ev["prctl"]["new_name"] == "[kthreadd]", ev["prctl"])


def test_process_renamed_to_another_programs_name():
    rule = "Process renamed to another program's name"
    d = tempfile.mkdtemp()
    try:
        # near miss: a program started through a link taking back its executable's name
        exe = os.path.join(d, "sshd")
        shutil.copy("/usr/bin/python3.11", exe)
        os.symlink(exe, os.path.join(d, "launcher"))
        agent.no_alert(rule, rename_self(os.path.join(d, "launcher"), "sshd"))

        ev = trigger(agent.alert(rule, rename_self("python3", "sshd", marker())))
        check(ev["prctl"]["new_name"] == "sshd" and ev["prctl"]["old_name"] == "python3", ev["prctl"])
        check(not ev["proc"]["exe"].endswith("sshd"), ev["proc"]["exe"])
    finally:
        shutil.rmtree(d)


def test_timestamps_of_a_system_file_backdated():
    rule = "Timestamps of a system file backdated"
    path = "/usr/local/bin/%s" % marker()
    try:
        sh('cp /bin/true "$0"', path)
        agent.no_alert(rule, sh('touch "$0"', path))                  # now: not timestomping
        agent.no_alert(rule, sh('cp -p /bin/true "$0"', path))        # a copy keeping times
        ev = trigger(agent.alert(rule, sh('touch -r /bin/ls "$0"', path)))
        check(ev["event"] == "utimes" and ev["file"]["path"] == path, ev)
        check(ev["utimes"]["mtime"] == int(os.stat("/bin/ls").st_mtime), ev["utimes"])
        ev = trigger(agent.alert(rule, sh('touch -d "2019-05-01 10:00 UTC" "$0"', path)))
        check(ev["utimes"]["mtime"] == 1556704800, ev["utimes"])
    finally:
        if os.path.exists(path):
            os.unlink(path)


# ---- triggers from the attack corpus (tests/attack), near misses beside them ----------

def test_log_rotation_is_not_log_clearing():
    rule = "Log file deleted or truncated"
    trigger_and_near_miss(agent, rule, attack("T1070.002-truncate-logs"), [benign("logrotate-style-moves")])
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1070.002-copy-then-empty"), []))
    check(ev["file"]["path"].startswith("/var/log/"), ev["file"])


def test_account_tools_backups_are_not_backdating():
    rule = "Timestamps of a system file backdated"
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1070.006-timestomp-system-file"), [benign("useradd-userdel")]))
    check(ev["file"]["path"].startswith("/usr/local/bin/") and ev["proc"]["comm"] == "touch", ev)


def test_timestamps_set_to_an_implausible_date():
    rule = "Timestamps set to an implausible date"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('echo x > "$0/f"; touch -d "2021-06-01 10:00" "$0/f"; tar -C "$0" -cf "$0/a.tar" f; tar -C "$0" -xf "$0/a.tar"', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1070.006-timestomp-1970"), [near]))
        check(ev["utimes"]["mtime"] < 631152000, ev["utimes"])
    finally:
        shutil.rmtree(d)


def test_file_timestamps_set_by_hand():
    rule = "File timestamps set by hand"
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1070.006-timestomp-reference"), [benign("tar-and-compress")]))
    check(ev["proc"]["comm"] == "touch" and ev["file"]["path"].startswith("/var/tmp/"), ev)


def test_file_securely_deleted():
    rule = "File securely deleted"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('echo x > "$0/a"; rm "$0/a"; echo y > "$0/b"; shred -n1 "$0/b"', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1070.004-shred-file"), [near]))
        check(ev["proc"]["comm"] == "shred" and "-u" in ev["exec"]["argv"], ev["exec"])
    finally:
        shutil.rmtree(d)


def test_mail_spool_deleted_or_overwritten():
    rule = "Mail spool deleted or overwritten"
    spool = "/var/mail/vgn-%s" % marker()[-8:]
    try:
        near = sh('echo "From a" >> "$0"; echo "From b" >> "$0"', spool)  # a delivery appends
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1070.008-mail-spool"), [near]))
        check(ev["file"]["path"].startswith(("/var/mail/", "/var/spool/mail/")), ev["file"])
    finally:
        os.unlink(spool)


def test_process_hidden_by_a_mount_over_proc():
    rule = "Process hidden by a mount over /proc"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('unshare -m --propagation private sh -c \'mount -t tmpfs none "$0" && umount "$0"\' "$0"', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1036.004-proc-bind-mount"), [near]))
        check(ev["mount"]["path"].startswith("/proc/"), ev["mount"])
    finally:
        shutil.rmtree(d)


def test_program_with_a_deceptive_file_name():
    rule = "Program with a deceptive file name"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        # near miss: a build script, a program with a version in its name, a document read
        near = sh('printf "true\\n" > "$0/build.sh"; sh "$0/build.sh"; cp /bin/true "$0/tool-1.2"; "$0/tool-1.2"; '
                  'echo x > "$0/report.pdf"; cat "$0/report.pdf" >/dev/null', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1036.007-double-extension"), [near]))
        check(ev["proc"]["comm"] == "report.pdf.sh" and ev["proc"]["exe"].endswith("bash"), ev["proc"])
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1036.008-script-as-image"), []))
        check(any(a.endswith("image.png") for a in ev["exec"]["argv"]), ev["exec"])
        trigger_and_near_miss(agent, rule, attack("T1036.006-space-after-name"), [])
        trigger_and_near_miss(agent, rule, attack("T1036.005-dot-dot-dot-dir"), [])
    finally:
        shutil.rmtree(d)


def test_program_run_under_a_system_daemons_name():
    rule = "Program run under a system daemon's name from an unusual place"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        near = sh('cp /bin/true "$0/crond-helper"; "$0/crond-helper"; /usr/bin/sleep 0', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1036.003-renamed-system-utility"), [near]))
        check(ev["proc"]["comm"] == "crond" and ev["proc"]["exe"].startswith("/tmp/"), ev["proc"])
    finally:
        shutil.rmtree(d)


def test_immutable_or_append_only_attribute_changed():
    rule = "Immutable or append-only attribute changed"
    d = tempfile.mkdtemp(prefix=marker(), dir="/var/tmp")
    try:
        near = sh('echo x > "$0/f"; lsattr "$0/f" >/dev/null 2>&1; chattr +d "$0/f" 2>/dev/null; true', d)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1222.002-chattr-immutable"), [near]))
        check(ev["proc"]["comm"] == "chattr", ev["proc"])
    finally:
        shutil.rmtree(d)


def test_anti_debugging_ptrace():
    rule = "Anti-debugging ptrace"
    near = run_quiet(["gdb", "-batch", "-nx", "-ex", "run", "--args", "/bin/true"])  # gdb's inferior
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1622-ptrace-traceme"), [near]))
    check(ev["ptrace"]["request_name"] == "TRACEME", ev["ptrace"])


def test_code_injected_with_ptrace():
    rule = "Code injected with ptrace"
    victim = subprocess.Popen(["sleep", "5"])
    try:
        near = [run_quiet(["python3", "-c", ATTACH_ONLY, str(victim.pid)]),  # attach and detach only
                benign("debug-with-gdb")]  # gdb setting the registers of the program it runs
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1055.008-ptrace-poke"), near))
        check(ev["ptrace"]["request_name"] == "POKEDATA", ev["ptrace"])
    finally:
        victim.kill()
        victim.wait()


ATTACH_ONLY = ("import ctypes, os, sys; l = ctypes.CDLL(None); p = int(sys.argv[1]); "
               "l.ptrace(16, p, 0, 0) == 0 and (os.waitpid(p, 0), l.ptrace(17, p, 0, 0))")


def test_process_memory_written_through_proc():
    rule = "Process memory written through /proc"
    victim = subprocess.Popen(["sleep", "5"])
    try:
        near = run_quiet(["python3", "-c", "import sys; open('/proc/%s/mem' % sys.argv[1], 'rb').close()", str(victim.pid)])
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1055.009-proc-mem-write"), [near]))
        check(ev["file"]["path"].endswith("/mem") and "WR" in ev["file"]["flag_names"], ev["file"])
    finally:
        victim.kill()
        victim.wait()


def test_raw_disk_read_outside_disk_tools():
    rule = "Raw disk read outside disk tools"
    near = sh("blkid >/dev/null 2>&1; lsblk >/dev/null 2>&1; true")
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1006-raw-disk-read"), [near]))
    check(ev["proc"]["comm"] in ("dd", "debugfs"), ev["proc"])

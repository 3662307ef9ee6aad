"""Discovery rules (rules/discovery.yaml) end to end: reconnaissance run by real child
processes, and the closest ordinary activity, which must stay quiet."""
import shutil
import subprocess
import tempfile

from corpus import attack, benign, trigger_and_near_miss
from vigiltest import alert_in_subtree, check, marker, rules_agent, trigger

agent = None


def setup_module():
    global agent
    agent = rules_agent()


def teardown_module():
    agent.stop()


def session(script, *args):
    """Runs /bin/sh -c script in a new session (as a login or a reverse shell is); its pid."""
    p = subprocess.Popen(["/bin/sh", "-c", script] + list(args), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    p.wait()
    return p.pid


def test_reconnaissance_command_burst():
    rule = "Reconnaissance command burst"
    # near miss: the same survey typed by an administrator (or run by a script, cron, CI)
    admin = session("whoami; id; uname -a; hostname; cat /etc/passwd; ps aux")
    found = agent.wait_for(alert_in_subtree(rule, attack("T1082-recon-over-reverse-shell")))
    check(found, "no recon burst alert for commands typed into a reverse shell")
    check(not agent.wait_for(alert_in_subtree(rule, admin), timeout=0), "an administrator's survey alerted")
    evidence = found[-1]["events"]
    check(len({e["proc"]["comm"] for e in evidence}) >= 5, [e["proc"]["comm"] for e in evidence])
    check(all(e["stdin"].get("raddr") for e in evidence), "evidence without a network stdio")


def test_search_for_setuid_programs():
    rule = "Search for setuid programs"
    d = tempfile.mkdtemp(prefix=marker())
    try:
        benign = session('find "$0" -perm -644 -type f; find "$0" -perm 0755', d)
        check(not agent.wait_for(alert_in_subtree(rule, benign), timeout=1.0), "permission search alerted")
        for spelling in ("-4000", "-u=s", "/6000"):
            pid = session('find "$0" -perm "$1" -type f', d, spelling)
            found = agent.wait_for(alert_in_subtree(rule, pid))
            check(found, "find -perm %s not reported" % spelling)
            check(spelling in found[-1]["events"][-1]["exec"]["argv"], found[-1]["events"][-1]["exec"])
    finally:
        shutil.rmtree(d)


def test_sudoers_policy_read():
    rule = "Sudoers policy read"
    a = trigger_and_near_miss(agent, rule, attack("T1087.001-sudoers-read"), [benign("find-from-root")])
    check(trigger(a)["file"]["path"].startswith("/etc/sudoers"), trigger(a)["file"])
    check("O_DIRECTORY" not in trigger(a)["file"]["flag_names"], trigger(a)["file"])


def test_security_software_discovery():
    rule = "Security software discovery"
    near = session("ps aux | grep -v grep | grep sshd >/dev/null; pgrep -a cron >/dev/null; true")
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1518.001-security-software-ps"), [near]))
    check(ev["proc"]["comm"] == "egrep" or ev["proc"]["comm"] == "grep", ev["proc"])


def test_virtual_machine_or_sandbox_check():
    rule = "Virtual machine or sandbox check"
    near = session("grep -c processor /proc/cpuinfo >/dev/null; head -3 /proc/cpuinfo >/dev/null")
    trigger_and_near_miss(agent, rule, attack("T1497.001-vm-checks"), [near])

"""Discovery rules (rules/discovery.yaml) end to end: reconnaissance run by real child
processes, and the closest ordinary activity, which must stay quiet."""
import shutil
import subprocess
import tempfile

from vigiltest import alert_in_subtree, check, marker, rules_agent

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
    # near miss: four different recon commands (a shell profile, a status script)
    benign = session("id -u; id -g; uname -r; hostname; whoami; ls /; date")
    check(not agent.wait_for(alert_in_subtree(rule, benign), timeout=1.0), "4 recon commands alerted")

    pid = session("whoami; id; uname -a; hostname; cat /etc/passwd; ps aux")
    found = agent.wait_for(alert_in_subtree(rule, pid))
    check(found, "no recon burst alert")
    evidence = found[-1]["events"]
    names = {e["proc"]["comm"] for e in evidence}
    check(len(names) >= 5 and names <= {"whoami", "id", "uname", "hostname", "cat", "ps"}, names)
    check(all(e["proc"]["sid"] == pid for e in evidence), "evidence from another session")


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

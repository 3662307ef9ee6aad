"""Defense-impairment rules (rules/defenses.yaml) end to end: the attack corpus's scripts are
the triggers (tests/attack), each next to its closest ordinary counterpart, which must stay
quiet. Tools absent here (auditctl, iptables) are stood in for by copies of true under their
names: the rules judge the program and its arguments."""
import os
import shutil
import tempfile

from corpus import attack, benign, trigger_and_near_miss
from vigiltest import check, copy_as, marker, rules_agent, run_quiet, sh, trigger

agent = None
base = None


def setup_module():
    global agent, base
    base = tempfile.mkdtemp(prefix=marker())
    agent = rules_agent()


def teardown_module():
    agent.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_kernel_security_setting_changed():
    rule = "Kernel security setting changed"
    a = trigger_and_near_miss(agent, rule, attack("T1562.001-sysctl-aslr"), [benign("read-logs-and-configs")])
    ev = trigger(a)
    check(ev["file"]["path"] == "/proc/sys/kernel/randomize_va_space" and "WR" in ev["file"]["flag_names"], ev["file"])
    check(ev["proc"]["comm"] == "sysctl", ev["proc"])


def test_audit_subsystem_disabled():
    rule = "Audit subsystem disabled"
    auditctl = copy_as(base, "/usr/bin/true", "auditctl")
    near = run_quiet([auditctl, "-l"])
    ev = trigger(trigger_and_near_miss(agent, rule, run_quiet([auditctl, "-e", "0"]), [near]))
    check(ev["exec"]["argv"][1:] == ["-e", "0"], ev["exec"])
    trigger_and_near_miss(agent, rule, run_quiet([auditctl, "-D"]), [])


def test_logging_audit_or_firewall_configuration_modified():
    rule = "Logging, audit or firewall configuration modified"
    conf = "/etc/%s.conf" % marker()
    try:
        near = sh('echo "port=1" > "$0"; cat /etc/systemd/journald.conf >/dev/null 2>&1; true', conf)
        ev = trigger(trigger_and_near_miss(agent, rule, attack("T1562.006-journald-storage-none"), [near]))
        check(ev["file"]["path"].startswith(("/etc/systemd/journald.conf.d/", "/etc/rsyslog.d/", "/etc/audit/")), ev["file"])
    finally:
        os.unlink(conf)


def test_logging_or_security_service_stopped():
    rule = "Logging or security service stopped"
    near = sh("systemctl stop nginx-%s 2>/dev/null; systemctl status rsyslog >/dev/null 2>&1; true" % marker())
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1562.001-stop-logging-services"), [near]))
    check(ev["proc"]["comm"] in ("systemctl", "service", "pkill"), ev["proc"])


def test_firewall_disabled_or_flushed():
    rule = "Firewall disabled or flushed"
    iptables = copy_as(base, "/usr/bin/true", "iptables")
    near = run_quiet([iptables, "-L", "-n"])
    ev = trigger(trigger_and_near_miss(agent, rule, run_quiet([iptables, "-F"]), [near]))
    check(ev["exec"]["argv"][1:] == ["-F"], ev["exec"])
    trigger_and_near_miss(agent, rule, run_quiet([iptables, "-P", "INPUT", "ACCEPT"]), [])


def test_root_certificate_added_to_the_trust_store():
    rule = "Root certificate added to the trust store"
    near = sh('cp /etc/hostname "$0/cert.crt"', base)
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1553.004-root-ca"), [near]))
    check(ev["file"]["path"].startswith("/usr/local/share/ca-certificates/"), ev["file"])

"""Hostile rules through a real agent: a SIGHUP reload with any of the files that crashed,
hung or exhausted the loader (tests/unit/rules_fixtures/hostile) is refused and the rules in
force keep alerting; a catastrophic regex on a long argv costs a bounded match, and a match
limit is an alert tagged regex_limit (counted in the stats line), never a silent miss."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from vigiltest import ROOT, Agent, check, marker

HOSTILE = os.path.join(ROOT, "tests", "unit", "rules_fixtures", "hostile")
REFUSED = ["r1_macro_nocond.yaml", "r2_freq_by400.yaml", "macro_exp_not.yaml", "macro_exp_and.yaml",
           "list_exp.yaml"]

GOOD = """- rule: marker exec
  desc: an exec of the marker-named copy of true
  condition: evt.type = exec and proc.name = "%s"
  output: "marker exec %%proc.pid"
  priority: warning
"""


def copy_of_true(d, name):
    path = os.path.join(d, name)
    shutil.copy2("/bin/true", path)
    return path


def test_sighup_with_hostile_rules_keeps_the_rules_in_force():
    d = tempfile.mkdtemp(prefix="vigil-e2e-limits-")
    name = marker()[-15:]  # comm holds 15 bytes
    exe = copy_of_true(d, name)
    rules = os.path.join(d, "rules")
    os.mkdir(rules)
    with open(os.path.join(rules, "50-test.yaml"), "w") as f:
        f.write(GOOD % name)
    a = Agent("--rules", rules, profile="default").start()
    try:
        for bad in REFUSED:
            before = a._read_stderr().count("rule reload failed")
            shutil.copy(os.path.join(HOSTILE, bad), os.path.join(rules, "60-bad.yaml"))
            a.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 20
            while a._read_stderr().count("rule reload failed") == before and time.time() < deadline:
                check(a.proc.poll() is None, "agent died on reloading %s: %s" % (bad, a.stderr[-2000:]))
                time.sleep(0.05)
            now = a.stderr.count("rule reload failed")
            check(now == before + 1, "%d refusals of %s: %s" % (now - before, bad, a.stderr[-2000:]))
            check("rules reloaded" not in a.stderr, a.stderr[-2000:])
            p = subprocess.Popen([exe])
            p.wait()
            alerts = a.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == "marker exec"
                                and e["events"][-1]["proc"]["pid"] == p.pid)
            check(alerts, "the rules in force stopped alerting after refusing %s" % bad)
    finally:
        a.stop()
        shutil.rmtree(d)
    check("60-bad.yaml:1:3: macro 'm' has no 'condition'" in a.stderr, a.stderr[-3000:])


def test_catastrophic_regex_is_bounded_and_a_limit_alerts():
    d = tempfile.mkdtemp(prefix="vigil-e2e-redos-")
    rules = os.path.join(d, "redos2.yaml")
    shutil.copy(os.path.join(HOSTILE, "redos2.yaml"), rules)
    a = Agent("--rules", rules, profile="default").start()
    try:
        # a long run of a's before "ac": (a+)+c used to give up at PCRE2's limit and say no
        # match, so this argv dodged the rule; 20 such execs used to cost 15 ms each
        # (no marker in argv: its hex digits may hold an "ac" that really matches)
        dodge = "a" * 4000 + "! ac"
        pids = []
        for _ in range(20):
            p = subprocess.Popen(["/bin/true", dodge])
            p.wait()
            pids.append(p.pid)
        for rule in ("evadable", "redos"):
            found = a.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == rule
                               and e["events"][-1]["proc"]["pid"] in pids, timeout=10, count=len(pids))
            check(found, "no %s alert on the dodge" % rule)
            untagged = [e for e in found if "regex_limit" not in e["tags"]]
            check(not untagged, "untagged %s alert: %s" % (rule, untagged[:1]))
        # a plain match is not tagged
        p = subprocess.Popen(["/bin/true", "xaac"])
        p.wait()
        plain = a.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == "evadable"
                           and e["events"][-1]["proc"]["pid"] == p.pid)
        check(plain and "regex_limit" not in plain[0]["tags"], plain)
    finally:
        a.stop()  # fails when SIGINT does not stop the agent
        shutil.rmtree(d)
    stats = a.final_stats()
    check(stats["regex_limits"] >= 2 * 20, stats)

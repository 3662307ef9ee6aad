"""corpus — the attack and benign corpora (tests/attack, tests/benign) as triggers and near
misses for the rule tests: a script runs in its own session, like detect.py runs it, and
its pid (the session id) finds its alerts through proc.ancestors.

Near misses are checked after the trigger's alert arrived: the agent handles events in the
order the kernel queued them, so an alert the near miss would have raised would be there
already, and the check needs no wait of its own.
"""
import os
import subprocess
import uuid

from vigiltest import ROOT, alert_in_subtree, check

ATTACK = os.path.join(ROOT, "tests", "attack")
BENIGN = os.path.join(ROOT, "tests", "benign")


def _run(path):
    env = dict(os.environ, VG_MARK="vgatk-" + uuid.uuid4().hex[:10], LC_ALL="C")
    p = subprocess.Popen(["bash", path], cwd="/tmp", env=env, start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p.wait(timeout=60)
    check(p.returncode in (0, 77), "%s exited %s" % (path, p.returncode))
    return p.pid


def attack(name):
    """Runs tests/attack/NAME.sh; returns its pid."""
    return _run(os.path.join(ATTACK, name + ".sh"))


def benign(name):
    """Runs tests/benign/NAME.sh; returns its pid."""
    return _run(os.path.join(BENIGN, name + ".sh"))


def trigger_and_near_miss(agent, rule, trigger_pid, near_pids):
    """The alert of rule from trigger_pid's subtree (fails when none comes), after checking
    that none came from any of near_pids (started before the trigger)."""
    a = agent.alert(rule, trigger_pid)
    for pid in near_pids:
        found = [e for e in agent.events() if alert_in_subtree(rule, pid)(e)]
        check(not found, "%r alerted on a near miss: %s" % (rule, found and found[0]["output"]))
    return a

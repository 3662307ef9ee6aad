"""End-to-end tests of `vigil run --record FILE` and `vigil replay FILE`: what the agent saw
live, replayed through the same pipeline, gives the same alerts with the same evidence, and
the replay reports its throughput."""
import json
import os
import subprocess
import tempfile

from vigiltest import VIGIL, RULES, Agent, alert_in_subtree, check, sh


def test_replay_gives_the_alerts_the_live_run_gave():
    tmp = tempfile.mkdtemp()
    rec = os.path.join(tmp, "run.vgr")
    agent = Agent("--rules", RULES, "--record", rec).start()
    try:
        pid = sh("cat /etc/shadow")
        live = agent.alert("Password or sudoers file opened", pid)
    finally:
        agent.stop()
    out = os.path.join(tmp, "replay.json")
    res = subprocess.run([VIGIL, "replay", rec, "--rules", RULES, "--profile", "sandbox", "--output", out],
                         capture_output=True, text=True, timeout=120)
    check(res.returncode == 0, res.stderr)
    check("events/s" in res.stderr and "0 malformed" in res.stderr, res.stderr)
    with open(out) as f:
        lines = [json.loads(line) for line in f]
    replayed = [e for e in lines if alert_in_subtree("Password or sudoers file opened", pid)(e)]
    check(replayed, "no replayed alert for pid %d" % pid)
    check(replayed[-1]["events"][-1]["seq"] == live["events"][-1]["seq"], (replayed[-1], live))
    check(replayed[-1]["events"][-1]["ts"] == live["events"][-1]["ts"], "timestamps differ after replay")
    stats = [e for e in lines if e.get("kind") == "stats" and e.get("final")]
    check(stats and stats[-1]["malformed"] == 0 and stats[-1]["events"] > 0, stats)


def test_replay_refuses_what_is_not_a_recording():
    with tempfile.NamedTemporaryFile(suffix=".vgr") as f:
        f.write(b"not a recording at all, just text" * 4)
        f.flush()
        res = subprocess.run([VIGIL, "replay", f.name], capture_output=True, text=True, timeout=30)
    check(res.returncode == 1 and "not a vigil recording" in res.stderr, res.stderr)

"""The config file: `vigil config check` names each error's FILE:LINE:COL and exits 1, `vigil
run --config FILE` takes its options (the command line overriding them), and SIGHUP reads
it again: new rules and a new stats interval apply at once, a change that needs a restart
is named instead."""
import os
import shutil
import signal
import subprocess
import tempfile

from servers import wait_until
from test_sinks import RULE
from vigiltest import VIGIL, Agent, check, marker


def test_config_check_names_file_line_col():
    base = tempfile.mkdtemp(prefix="vigil-e2e-config-")
    try:
        good = os.path.join(base, "good.yaml")
        with open(good, "w") as f:
            f.write("profile: default\nstats_interval: 30s\nsinks:\n  - url: file:%s/ev.json\n    keep: 3\n" % base)
        done = subprocess.run([VIGIL, "config", "check", good], capture_output=True, text=True)
        check(done.returncode == 0 and "ok" in done.stdout, "good file: %s %s" % (done.stdout, done.stderr))

        bad = os.path.join(base, "bad.yaml")
        with open(bad, "w") as f:
            f.write("profile: default\nrate_limit: lots\nsinks:\n  - url: file:%s/ev.json\n    keep: many\n" % base)
        done = subprocess.run([VIGIL, "config", "check", bad], capture_output=True, text=True)
        check(done.returncode == 1, "bad file passed")
        check("%s:2:13: rate_limit: takes N or N:BURST" % bad in done.stderr, done.stderr)
        check("%s:5:5: sinks: option keep takes N, not 'many'" % bad in done.stderr, done.stderr)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_run_reads_the_config_file_and_sighup_reloads_it():
    base = tempfile.mkdtemp(prefix="vigil-e2e-config-")
    first, second = marker(), marker()
    rule_a, rule_b = os.path.join(base, "a.yaml"), os.path.join(base, "b.yaml")
    with open(rule_a, "w") as f:
        f.write(RULE % first)
    with open(rule_b, "w") as f:
        f.write((RULE % second).replace("Fleet test marker file", "Second marker file"))
    conf = os.path.join(base, "vigil.yaml")

    def write_conf(rules, stats, ring):
        with open(conf, "w") as f:
            f.write("rules: [%s]\nstats_interval: %s\nring_size: %s\nproc_cap: 4096\n" % (", ".join(rules), stats, ring))

    write_conf([rule_a], "1h", "8M")
    # --stats-interval on the command line would win over the file; here the file decides
    agent = Agent("--config", conf, profile="default").start()
    try:
        open(os.path.join(base, first), "w").close()
        check(agent.alerts("Fleet test marker file", mark=first), "the config file's rule did not fire")
        check(not [e for e in agent.events() if e.get("kind") == "stats"], "stats before the interval")

        write_conf([rule_a, rule_b], "0.3", "16M")
        agent.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "rules reloaded" in agent._read_stderr(), 15, what="the reload")
        check("ring_size changed; it takes effect at the next start" in agent.stderr, agent.stderr[-1500:])
        open(os.path.join(base, second), "w").close()
        check(agent.alerts("Second marker file", mark=second), "the rule added on SIGHUP did not fire")
        wait_until(lambda: [e for e in agent.events() if e.get("kind") == "stats"], 10,
                   what="stats at the reloaded interval")
    finally:
        agent.stop()
        shutil.rmtree(base, ignore_errors=True)
    final = agent.final_stats()
    check(final["ring_size"] == 8 << 20, "ring size changed at run time: %s" % final["ring_size"])


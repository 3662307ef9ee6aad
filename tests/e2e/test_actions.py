"""Rules in the running agent: kill at exec in the kernel, kill from user space, SIGHUP
reload (a good one swaps the rules, a broken one keeps the old rules and says why), and
interest pushdown (a ruleset attaches only the hooks its rules can match)."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from vigiltest import Agent, check, helper, marker


def rules_file(dirpath, text):
    path = os.path.join(dirpath, "rules.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def exec_rule(name, needle, action="alert"):
    return """- rule: %s
  desc: test rule
  condition: evt.type = exec and proc.cmdline contains "%s"
  output: "%s saw %%proc.cmdline"
  priority: warning
  tags: [T1059]
  action: %s
""" % (name, needle, name, action)


def alerts(agent, rule, needle=None, timeout=3.0):
    return agent.wait_for(lambda e: e.get("kind") == "alert" and e["rule"] == rule
                          and (needle is None or needle in e["output"]), timeout=timeout)


def test_kill_at_exec_before_the_program_runs():
    tmp = tempfile.mkdtemp(prefix=marker())
    victim = os.path.join(tmp, "victim")
    shutil.copy(helper("firstbreath"), victim)
    proof = os.path.join(tmp, "ran")
    path = rules_file(tmp, """- rule: Kill victim
  desc: a known-bad executable, killed at exec
  condition: evt.type = exec and proc.exe = "%s"
  output: "killed %%proc.exe"
  priority: critical
  tags: [T1496]
  action: kill
""" % victim)
    agent = Agent("--rules", path).start()
    try:
        p = subprocess.run([victim, proof])
        found = alerts(agent, "Kill victim")
    finally:
        agent.stop()
    check(p.returncode == -signal.SIGKILL, "victim exited %s, not by SIGKILL" % p.returncode)
    check(not os.path.exists(proof), "the victim ran its own code before the kill")
    check(found and found[-1]["killed"] is True and found[-1]["action"] == "kill", found)
    check(found[-1]["events"][-1]["killed"] is True, "the kernel did not flag the kill at exec")
    shutil.rmtree(tmp)


def test_kill_from_user_space_for_conditions_the_kernel_cannot_decide():
    tmp = tempfile.mkdtemp()
    m = marker()
    agent = Agent("--rules", rules_file(tmp, exec_rule("Kill marked", m, "kill"))).start()
    try:
        start = time.time()
        p = subprocess.Popen(["python3", "-c", "import time; time.sleep(20)  # " + m])
        p.wait(timeout=10)
        found = alerts(agent, "Kill marked", m)
    finally:
        agent.stop()
    check(p.returncode == -signal.SIGKILL and time.time() - start < 5, p.returncode)
    check(found and found[-1]["killed"] is True and found[-1]["pid"] == p.pid, found)
    shutil.rmtree(tmp)


def test_sighup_reload_swaps_rules_and_a_broken_reload_keeps_them():
    tmp = tempfile.mkdtemp()
    m1, m2 = marker(), marker()
    path = rules_file(tmp, exec_rule("First", m1))
    agent = Agent("--rules", path, "--stats-interval", "1").start()
    try:
        subprocess.run(["/bin/true", m1])
        check(alerts(agent, "First", m1), "first rule did not fire")

        rules_file(tmp, exec_rule("Second", m2))
        agent.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "rules reloaded" not in agent._read_stderr() and time.time() < deadline:
            time.sleep(0.05)
        check("rules reloaded" in agent.stderr, agent.stderr)
        subprocess.run(["/bin/true", m2])
        subprocess.run(["/bin/true", m1 + "-again"])
        check(alerts(agent, "Second", m2), "reloaded rule did not fire")
        time.sleep(0.5)
        check(not alerts(agent, "First", m1 + "-again", timeout=0.2), "old rule still fired after reload")

        rules_file(tmp, exec_rule("Third", m2) + "  condition: [unclosed\n")
        agent.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while "previous rules stay" not in agent._read_stderr() and time.time() < deadline:
            time.sleep(0.05)
        check("previous rules stay" in agent.stderr, agent.stderr)
        check(path + ":" in agent.stderr, "the error does not name the file: %s" % agent.stderr)
        subprocess.run(["/bin/true", m2 + "-kept"])
        check(alerts(agent, "Second", m2 + "-kept"), "a broken reload dropped the working rules")
    finally:
        agent.stop()
    st = agent.final_stats()
    check(st["lost"] == 0 and st["seq_gap"] == 0, st)
    shutil.rmtree(tmp)


def linked_prog_names(pid):
    """Names of the BPF programs process pid has attached (its link fds)."""
    ids = set()
    fdinfo = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                info = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        except OSError:
            continue
        if "link_type" in info and "prog_id" in info:
            ids.add(int(info["prog_id"]))
    out = subprocess.run(["bpftool", "prog", "show", "--json"], capture_output=True, text=True, check=True)
    return {p["name"] for p in json.loads(out.stdout) if p["id"] in ids}


def test_interest_pushdown_attaches_only_what_the_rules_need():
    tmp = tempfile.mkdtemp()
    agent = Agent("--rules", rules_file(tmp, exec_rule("Exec only", marker()))).start()
    try:
        names = linked_prog_names(agent.proc.pid)
    finally:
        agent.stop()
    check(any(n.startswith("vg_proc_exec_") for n in names), names)
    check(not any(n.startswith(("vg_file_", "vg_net_")) for n in names), "file/net hooks attached: %s" % names)
    shutil.rmtree(tmp)

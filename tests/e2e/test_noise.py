"""Noise control in the kernel: executable and command-line allowlists (decided at exec,
inherited by fork), per-exe rate limits, and the stats that count every suppression."""
import os
import shutil
import subprocess
import tempfile
import time

from vigiltest import Agent, check, marker

COPY = "/usr/bin/cp"


def created(agent, path):
    return agent.wait_for(lambda e: e.get("event") == "create_file" and e["file"]["path"] == path, timeout=2)


def test_exe_allowlist_suppresses_all_but_lifecycle_and_is_counted():
    tmp = tempfile.mkdtemp(prefix=marker())
    quiet = os.path.join(tmp, "quiet")
    loud = os.path.join(tmp, "loud")
    # a private copy, so the allowlisted inode is ours alone
    touch = os.path.join(tmp, "touch")
    shutil.copy("/usr/bin/touch", touch)
    agent = Agent("--allow-exe", touch, events="exec,create_file").start()
    try:
        p = subprocess.run([touch, quiet])
        subprocess.run([COPY, "/etc/hostname", loud], check=True)
        check(created(agent, loud), "a file created by cp must be reported")
        check(not created(agent, quiet), "a file created by the allowlisted exe was reported")
        execs = agent.wait_for(lambda e: e.get("event") == "exec" and e["proc"]["exe"] == touch)
        check(execs, "the allowlisted exe's own exec must still be reported (process table)")
    finally:
        agent.stop()
        shutil.rmtree(tmp)
    st = agent.final_stats()
    check(st["suppressions"].get("create_file", {}).get("allowlist", 0) >= 1, st["suppressions"])
    check(st["suppressed"] >= 1 and st["lost"] == 0, st)


def test_allowlists_cover_processes_running_before_the_agent():
    """A process that exec'd before the agent started is allowlisted by its executable too
    (read from /proc at start), and one that only shares its command line's start is not."""
    tmp = tempfile.mkdtemp(prefix=marker())
    shell = os.path.join(tmp, "sh")
    shutil.copy2(os.path.realpath("/bin/sh"), shell)
    # each waits for a line on stdin, then creates its file
    script = 'read line; : > "$0"'
    quiet = subprocess.Popen([shell, "-c", script, os.path.join(tmp, "quiet")], stdin=subprocess.PIPE)
    loud = subprocess.Popen(["/bin/sh", "-c", script, os.path.join(tmp, "loud")], stdin=subprocess.PIPE)
    agent = Agent("--allow-exe", shell, events="create_file").start()
    try:
        for p in (quiet, loud):
            p.stdin.write(b"go\n")
            p.stdin.close()
            p.wait(timeout=10)
        check(created(agent, os.path.join(tmp, "loud")), "a file created by a shell not allowlisted must be reported")
        check(not created(agent, os.path.join(tmp, "quiet")), "the allowlisted exe, running before the agent, was reported")
    finally:
        agent.stop()
        shutil.rmtree(tmp)
    check(agent.final_stats()["suppressions"].get("create_file", {}).get("allowlist", 0) >= 1, "suppression not counted")


def test_cmdline_allowlist_matches_exact_command_only():
    tmp = tempfile.mkdtemp(prefix=marker())
    quiet = os.path.join(tmp, "quiet")
    loud = os.path.join(tmp, "loud")
    agent = Agent("--allow-cmdline", "/usr/bin/touch %s" % quiet, events="create_file").start()
    try:
        subprocess.run(["/usr/bin/touch", quiet], check=True)
        subprocess.run(["/usr/bin/touch", loud], check=True)
        check(created(agent, loud), "a different command line must be reported")
        check(not created(agent, quiet), "the allowlisted command line was reported")
    finally:
        agent.stop()
        shutil.rmtree(tmp)
    st = agent.final_stats()
    check(st["suppressions"].get("create_file", {}).get("allowlist", 0) >= 1, st["suppressions"])


def test_rate_limit_per_exe_is_enforced_in_the_kernel_and_counted():
    tmp = tempfile.mkdtemp(prefix=marker())
    agent = Agent("--rate-limit", "5:5", events="create_file").start()
    try:
        # a private copy of the shell: its own inode, so its own bucket (other tests' shells
        # on this machine draw from the bucket of /bin/sh, not from this one)
        shell = os.path.join(tmp, "sh")
        shutil.copy2(os.path.realpath("/bin/sh"), shell)
        code = 'i=0; while [ $i -lt 200 ]; do : > "$0/f$i"; i=$((i + 1)); done'
        subprocess.run([shell, "-c", code, tmp], check=True)
        time.sleep(0.5)
        mine = [e for e in agent.events() if e.get("event") == "create_file" and e["file"]["path"].startswith(tmp + "/f")]
    finally:
        agent.stop()
        shutil.rmtree(tmp)
    st = agent.final_stats()
    check(5 <= len(mine) < 60, "expected about the burst of 5 (plus refill), got %d" % len(mine))
    check(st["suppressions"].get("create_file", {}).get("rate_limit", 0) >= 140, st["suppressions"])

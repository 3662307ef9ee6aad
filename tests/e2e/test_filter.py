"""The rules' kernel filter end to end (src/rules/filter.c, bpf/lib/filter.h): with one rule
about opens of "DIR/hit..." (DIR unique to the test) and one about connects to a port the
test picked, the hit open and the hit connect reach user space and alert, while opens of
DIR/miss-MARK and connects to another port are dropped in the kernel, counted as filtered
(not lost), and never reach user space.

The witness of what reached user space is the reader's count of records received per type
(the stats line's "received"): with only these rules loaded, the kernel sends an open or a
connect only when it could be the test's hit, or when it cannot judge the path (deeper than
its walk, or a failed open naming ".."), which the rest of the machine may do a few times.
So far fewer than the misses arrive; with --no-kernel-filter every miss does.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile

from vigiltest import Agent, check, marker

MISSES = 300

RULES = """\
- rule: e2e filter hit opened
  desc: an open of the test's hit file
  condition: evt.type = open and file.path startswith "%s/hit"
  output: hit opened (%%file.path)
  priority: WARNING
- rule: e2e filter hit port connected
  desc: a connect to the test's hit port
  condition: evt.type = connect and net.dport = %d
  output: hit port connected (%%net.dport %s)
  priority: WARNING
"""

# the child makes every miss first, then the hits: an alert for a hit means the misses
# before it were judged too (one ring, read in order)
CHILD = """
import socket, sys
d, mark, n, hit, miss = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
for _ in range(n):
    open("%s/miss-%s" % (d, mark)).close()
for _ in range(n // 10):
    with socket.socket() as s:
        s.connect_ex(("127.0.0.1", miss))
open("%s/hit-%s" % (d, mark)).close()
with socket.socket() as s:
    s.connect_ex(("127.0.0.1", hit))
"""


def closed_port():
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_once(d, mark, ports, *extra):
    """An agent with the test's rules, the child run under it; the agent's final stats and
    the test's alerts."""
    with Agent("--rules", os.path.join(d, "rules.yaml"), *extra, profile="sandbox") as a:
        subprocess.run(["/usr/bin/python3", "-c", CHILD, d, mark, str(MISSES), str(ports[0]), str(ports[1])],
                       check=True)
        a.wait_for(lambda e: e.get("kind") == "alert" and mark in json.dumps(e), timeout=10, count=2)
    return a.final_stats(), [e for e in a.lines if e.get("kind") == "alert" and mark in json.dumps(e)]


def test_non_matching_open_and_connect_never_reach_user_space():
    mark = marker()
    d = os.path.realpath(tempfile.mkdtemp(prefix=mark + "-"))
    try:
        for name in ("hit-" + mark, "miss-" + mark):
            open(os.path.join(d, name), "w").close()
        ports = (closed_port(), closed_port())
        with open(os.path.join(d, "rules.yaml"), "w") as f:
            f.write(RULES % (d, ports[0], mark))

        stats, alerts = run_once(d, mark, ports)
        check(sorted(e["rule"] for e in alerts) == ["e2e filter hit opened", "e2e filter hit port connected"], alerts)
        opened = [e for e in alerts if e["rule"] == "e2e filter hit opened"][0]
        check(opened["events"][-1]["file"]["path"] == "%s/hit-%s" % (d, mark), opened)
        check(1 <= stats["received"].get("open", 0) < MISSES // 2 and
              1 <= stats["received"].get("connect", 0) < MISSES // 20,
              "misses reached user space: %s" % stats["received"])
        check(stats["filtered_by"].get("open", {}).get("filtered", 0) >= MISSES, stats)
        check(stats["filtered_by"].get("connect", {}).get("filtered", 0) >= MISSES // 10, stats)
        check(stats["lost"] == 0 and stats["filtered"] >= MISSES + MISSES // 10, stats)

        # without the filter every miss reaches user space, and nothing is counted as filtered
        stats, alerts = run_once(d, mark, ports, "--no-kernel-filter")
        check(len(alerts) == 2, alerts)
        check(stats["received"].get("open", 0) > MISSES and stats["received"].get("connect", 0) > MISSES // 10,
              stats["received"])
        check(stats["filtered"] == 0, stats)
    finally:
        shutil.rmtree(d, ignore_errors=True)

"""The rules' kernel filter end to end (src/rules/filter.c, bpf/lib/filter.h): with one rule
about opens of "DIR/hit...", an open of DIR/hit-MARK reaches user space and alerts while
opens of DIR/miss-MARK are dropped in the kernel, counted as filtered (not lost), and never
reach user space; the same for connects to a port a rule names and to one none does. The store takes every event the kernel sends (not only printed ones), so
it is the witness of what reached user space; the same run with --no-kernel-filter shows
that it would have held the misses.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile

from vigiltest import Agent, VIGIL, check, marker

MISSES = 300

RULE = """\
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

# the child opens every miss, then the hit once: the hit's alert says the misses before it
# were judged too (one ring, one program per hook)
OPENER = """
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


def stored(db, question, arg, event):
    q = subprocess.run([VIGIL, "query", "--store", db, "--format", "json", "--limit", "100000", question, arg],
                       capture_output=True, text=True)
    check(q.returncode == 0, "vigil query %s %s: %s" % (question, arg, q.stderr))
    return [e for e in json.loads(q.stdout)["events"] if e["event"] == event]


def run_once(d, mark, ports, *extra):
    """An agent with the test's rules and a store; returns it and what the store kept: the
    opens in d, the connects to the hit port and to the missed one."""
    db = os.path.join(d, "store-%d.db" % len(os.listdir(d)))
    with Agent("--rules", os.path.join(d, "rules.yaml"), "--store", db, *extra, profile="sandbox") as a:
        subprocess.run(["/usr/bin/python3", "-c", OPENER, d, mark, str(MISSES), str(ports[0]), str(ports[1])],
                       check=True)
        a.wait_for(lambda e: e.get("kind") == "alert" and mark in json.dumps(e), timeout=10, count=2)
    connects = stored(db, "events", "--event=connect", "connect")
    return a, stored(db, "file", d + "/*", "open"), [[e for e in connects if e["net"]["dport"] == p] for p in ports]


def test_non_matching_open_never_reaches_user_space():
    mark = marker()
    d = os.path.realpath(tempfile.mkdtemp(prefix=mark + "-"))
    try:
        for name in ("hit-" + mark, "miss-" + mark):
            open(os.path.join(d, name), "w").close()
        ports = (closed_port(), closed_port())
        with open(os.path.join(d, "rules.yaml"), "w") as f:
            f.write(RULE % (d, ports[0], mark))
        a, opens, (hits, misses) = run_once(d, mark, ports)
        alerts = [e for e in a.lines if e.get("kind") == "alert" and mark in json.dumps(e)]
        check(sorted(e["rule"] for e in alerts) == ["e2e filter hit opened", "e2e filter hit port connected"], alerts)
        paths = [e["file"]["path"] for e in opens]
        check(paths == ["%s/hit-%s" % (d, mark)], "the store holds other opens than the hit: %s" % paths[:5])
        check(len(hits) == 1 and not misses, (hits, misses))
        stats = a.final_stats()
        check(stats["filtered_by"].get("open", {}).get("filtered", 0) >= MISSES, stats)
        check(stats["filtered_by"].get("connect", {}).get("filtered", 0) >= MISSES // 10, stats)
        check(stats["filtered"] >= MISSES and stats["lost"] == 0 and "open" not in stats["drops"], stats)

        # without the filter, the same misses reach user space (so the store above would have
        # shown them) and nothing is counted as filtered
        a, opens, (hits, misses) = run_once(d, mark, ports, "--no-kernel-filter")
        missed_opens = [e for e in opens if e["file"]["path"] == "%s/miss-%s" % (d, mark)]
        check(len(missed_opens) == MISSES, "expected %d misses in the store, got %d" % (MISSES, len(missed_opens)))
        check(len(misses) == MISSES // 10, "expected %d missed connects, got %d" % (MISSES // 10, len(misses)))
        check(a.final_stats()["filtered"] == 0, a.final_stats())
    finally:
        shutil.rmtree(d, ignore_errors=True)

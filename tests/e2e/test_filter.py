"""The rules' kernel filter end to end (src/rules/filter.c, bpf/lib/filter.h): with one rule
about opens of "DIR/hit...", an open of DIR/hit-MARK reaches user space and alerts while
opens of DIR/miss-MARK are dropped in the kernel, counted as filtered (not lost), and never
reach user space. The store takes every event the kernel sends (not only printed ones), so
it is the witness of what reached user space; the same run with --no-kernel-filter shows
that it would have held the misses.
"""
import json
import os
import shutil
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
"""

# the child opens every miss, then the hit once: the hit's alert says the misses before it
# were judged too (one ring, one program per hook)
OPENER = """
import sys
d, mark, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(n):
    open("%s/miss-%s" % (d, mark)).close()
open("%s/hit-%s" % (d, mark)).close()
"""


def stored_opens(db, d):
    out = subprocess.run([VIGIL, "query", "--store", db, "--format", "json", "--limit", "100000", "file",
                          d + "/*"], capture_output=True, text=True, check=True).stdout
    return [e for e in json.loads(out)["events"] if e["event"] == "open"]


def run_once(d, mark, *extra):
    db = os.path.join(d, "store-%d.db" % len(os.listdir(d)))
    with Agent("--rules", os.path.join(d, "rules.yaml"), "--store", db, *extra, profile="sandbox") as a:
        subprocess.run(["/usr/bin/python3", "-c", OPENER, d, mark, str(MISSES)], check=True)
        a.wait_for(lambda e: e.get("kind") == "alert" and mark in json.dumps(e), timeout=10)
    return a, stored_opens(db, d)


def test_non_matching_open_never_reaches_user_space():
    mark = marker()
    d = os.path.realpath(tempfile.mkdtemp(prefix=mark + "-"))
    try:
        for name in ("hit-" + mark, "miss-" + mark):
            open(os.path.join(d, name), "w").close()
        with open(os.path.join(d, "rules.yaml"), "w") as f:
            f.write(RULE % d)
        a, opens = run_once(d, mark)
        alerts = [e for e in a.lines if e.get("kind") == "alert" and mark in json.dumps(e)]
        check(len(alerts) == 1 and alerts[0]["events"][-1]["file"]["path"] == "%s/hit-%s" % (d, mark),
              alerts)
        paths = [e["file"]["path"] for e in opens]
        check(paths == ["%s/hit-%s" % (d, mark)], "the store holds other opens than the hit: %s" % paths[:5])
        stats = a.final_stats()
        check(stats["filtered_by"].get("open", {}).get("filtered", 0) >= MISSES, stats)
        check(stats["filtered"] >= MISSES and stats["lost"] == 0 and "open" not in stats["drops"], stats)

        # without the filter, the same misses reach user space (so the store above would have
        # shown them) and nothing is counted as filtered
        a, opens = run_once(d, mark, "--no-kernel-filter")
        misses = [e for e in opens if e["file"]["path"] == "%s/miss-%s" % (d, mark)]
        check(len(misses) == MISSES, "expected %d misses in the store, got %d" % (MISSES, len(misses)))
        check(a.final_stats()["filtered"] == 0, a.final_stats())
    finally:
        shutil.rmtree(d, ignore_errors=True)

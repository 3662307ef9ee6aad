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

from vigiltest import Agent, check, helper, marker

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


# One rule per kind of atom the kernel tests for opens, the names' parts of every length the
# kernel handles apart (1 to 8 bytes; longer ones are cut to 8), so that a kernel judge that
# tests a length, a kind or a fact wrongly drops a hit.
ATOM_RULES = """\
- rule: e2e atom starts
  desc: names below the test's directory that start with a part of 1, 2, 3, 5 and 8 bytes
  condition: >
    evt.type = open and (file.path startswith "{d}/a" or file.path startswith "{d}/bb" or
    file.path startswith "{d}/ccc" or file.path startswith "{d}/ddddd" or
    file.path startswith "{d}/eeeeeeeeee")
  output: starts %file.path
  priority: WARNING
- rule: e2e atom ends
  desc: file names that end with 2, 4 and 7 bytes
  condition: evt.type = open and (file.path endswith ".q" or file.path endswith "rrrr" or file.path endswith "sssssss")
  output: ends %file.path
  priority: WARNING
- rule: e2e atom component starts
  desc: a component that starts with 2 bytes, or with 10 (8 in the kernel)
  condition: evt.type = open and (file.path contains "/.t" or file.path contains "/uuuuuuuuuu")
  output: component %file.path
  priority: WARNING
- rule: e2e atom call
  desc: a file opened by handle
  condition: evt.type = open and file.call = open_by_handle_at
  output: call %file.path
  priority: WARNING
- rule: e2e atom agent
  desc: one of the agent's files opened for writing
  condition: evt.type = open and evt.at_agent = true
  output: agent %file.path
  priority: WARNING
"""

ATOM_HITS = ["a-{m}", "bb-{m}", "ccc-{m}", "ddddd-{m}", "eeeeeeeeee-{m}", "{m}.q", "{m}rrrr", "{m}sssssss",
             ".t-{m}", "uuuuuuuuuu-{m}"]
# near misses: one byte short of a part, or another directory
ATOM_MISSES = ["b-{m}", "cc-{m}", "dddd-{m}", "eeeeeee-{m}", "{m}.r", "{m}rrr", "{m}ssssss", ".s-{m}", "uuuuuuu-{m}"]


def test_every_atom_kind_and_length_passes_its_hits_in_the_kernel():
    mark = marker()
    d = os.path.realpath(tempfile.mkdtemp(prefix=mark + "-"))
    try:
        rules = os.path.join(d, "rules.yaml")
        with open(rules, "w") as f:
            f.write(ATOM_RULES.format(d=d))
        names = [n.format(m=mark) for n in ATOM_HITS + ATOM_MISSES] + ["miss-" + mark, "handle-" + mark]
        for name in names:
            open(os.path.join(d, name), "w").close()
        hits = [os.path.join(d, n.format(m=mark)) for n in ATOM_HITS]
        with Agent("--rules", rules, profile="sandbox") as a:
            for _ in range(MISSES):
                open(os.path.join(d, "miss-" + mark)).close()
            for name in ATOM_MISSES:
                open(os.path.join(d, name.format(m=mark))).close()
            for path in hits:
                open(path).close()
            subprocess.run([helper("byhandle"), os.path.join(d, "handle-" + mark)], check=True,
                           stdout=subprocess.DEVNULL)
            open(rules, "a").close()
            want = len(hits) + 2
            found = a.wait_for(lambda e: e.get("kind") == "alert" and mark in json.dumps(e), timeout=10, count=want)
        paths = sorted(e["events"][-1]["file"]["path"] for e in found)
        check(paths == sorted(hits + [os.path.join(d, "handle-" + mark), rules]), paths)
        stats = a.final_stats()
        check(stats["received"].get("open", 0) < MISSES // 2, "misses reached user space: %s" % stats["received"])
        check(stats["filtered_by"].get("open", {}).get("filtered", 0) >= MISSES, stats)
    finally:
        shutil.rmtree(d, ignore_errors=True)


# Paths the kernel parses from the caller's string (unlink, rename): spelled with "//", "./",
# relative to the cwd, with components of 7, 8 and 9 bytes across word boundaries, and one
# with ".." (the kernel cannot judge it: it passes). User space shows every one cleaned.
PARSE_RULES = """\
- rule: e2e parse unlink
  desc: an unlink below the test's deep directory of a name starting with hit
  condition: evt.type = unlink and file.path startswith "{deep}/hit"
  output: unlink %file.path
  priority: WARNING
- rule: e2e parse rename
  desc: a rename onto a name below the test's deep directory starting with ren
  condition: evt.type = rename and file.newpath startswith "{deep}/ren"
  output: rename %file.newpath
  priority: WARNING
"""


def test_parsed_paths_are_judged_as_user_space_cleans_them():
    mark = marker()
    d = os.path.realpath(tempfile.mkdtemp(prefix=mark + "-"))
    deep = os.path.join(d, "sevench", "eightch8", "ninechars")
    rel = os.path.relpath(deep, d)
    spellings = [deep + "/hit1", d + "//sevench/./eightch8//ninechars/hit2", rel + "/hit3",
                 "./" + rel.replace("/", "//") + "/hit4", deep + "/../ninechars/hit5"]
    try:
        os.makedirs(deep)
        rules = os.path.join(d, "rules.yaml")
        with open(rules, "w") as f:
            f.write(PARSE_RULES.format(deep=deep))
        for i in range(1, 6):
            open(os.path.join(deep, "hit%d" % i), "w").close()
        open(os.path.join(deep, "src"), "w").close()
        cwd = os.getcwd()
        with Agent("--rules", rules, profile="sandbox") as a:
            os.chdir(d)
            try:
                for _ in range(MISSES):  # near misses: the directory's sibling, a name not starting with hit
                    open(os.path.join(deep, "miss"), "w").close()
                    os.unlink(rel + "/miss")
                for path in spellings:
                    os.unlink(path)
                os.rename(deep + "/src", "./" + rel + "/ren1")
                os.rename(rel + "//ren1", d + "/sevench/eightch8/./ninechars/ren2")
            finally:
                os.chdir(cwd)
            found = a.wait_for(lambda e: e.get("kind") == "alert" and mark in json.dumps(e), timeout=10, count=7)
        got = sorted((e["rule"], e["events"][-1]["file"].get("newpath") or e["events"][-1]["file"]["path"])
                     for e in found)
        want = sorted([("e2e parse unlink", "%s/hit%d" % (deep, i)) for i in range(1, 6)] +
                      [("e2e parse rename", deep + "/ren1"), ("e2e parse rename", deep + "/ren2")])
        check(got == want, got)
        stats = a.final_stats()
        check(stats["received"].get("unlink", 0) < MISSES // 2, "misses reached user space: %s" % stats["received"])
        check(stats["filtered_by"].get("unlink", {}).get("filtered", 0) >= MISSES, stats)
    finally:
        shutil.rmtree(d, ignore_errors=True)

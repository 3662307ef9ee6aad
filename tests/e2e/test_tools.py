"""vigil trace TOOL and vigil top: each tool is run against the real kernel while the test
triggers a known amount of what it shows (a number of execs, opens, syscalls, bytes, a
connection with known byte counts, a file deleted after a known age, a command typed into
an interactive bash), then the numbers are checked. Rows are matched on the test's own
processes (-p, pids, markers): the machine is shared."""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time

from vigiltest import Trace, VIGIL, check, helper, marker, run, sh


def test_execsnoop_counts_execs_with_args_and_failures():
    mark = marker()
    with Trace("execsnoop", "-x", "-l", mark) as t:
        pids = [run(["/bin/true", mark, str(i)]).pid for i in range(3)]
        failed = run(["/bin/sh", "-c", 'exec /nonexistent/%s 2>/dev/null' % mark]).pid
        rows = t.wait_for(lambda r: mark in r["args"], count=5)  # the sh's own exec too
    ok = sorted((r for r in rows if r["ret"] == 0 and r["comm"] == "true"), key=lambda r: r["pid"])
    check([r["pid"] for r in ok] == sorted(pids), "execs: %s, started %s" % (rows, pids))
    for r in ok:
        check(r["comm"] == "true" and r["args"].startswith("/bin/true " + mark) and r["ppid"] == os.getpid(), r)
    bad = [r for r in rows if r["ret"] != 0]
    check(len(bad) == 1 and bad[0]["pid"] == failed and bad[0]["ret"] == -2, "failed exec: %s" % bad)

#!/bin/bash
# technique: T1620
# tactic: defense_evasion, execution
# what: a program copied into a memfd_create buffer and executed from it (no file on disk)
# source: event-generator fileless_execution_via_memfd_create (Falco stable)
# cleanup: nothing persists
# fast: yes
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import os
fd = os.memfd_create("kworker", 0)
with open("/bin/true", "rb") as f:
    os.write(fd, f.read())
pid = os.fork()
if pid == 0:
    os.execv("/proc/self/fd/%d" % fd, ["kworker"])
os.waitpid(pid, 0)
PY

#!/bin/bash
# technique: T1036.004
# tactic: defense_evasion
# what: a process renames itself (prctl PR_SET_NAME) to look like a kernel worker thread
# source: ART T1036.004 #3 "linux rename /proc/pid/comm using prctl"
# cleanup: the process exits
. "$(dirname "$0")/lib.sh"
python3 -c "import ctypes; ctypes.CDLL(None).prctl(15, b'kworker/0:1', 0, 0, 0)"

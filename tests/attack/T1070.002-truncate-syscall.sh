#!/bin/bash
# technique: T1070.002
# tactic: defense_evasion
# what: a log under /var/log emptied with the truncate(2) system call on its path (python
#       os.truncate), which opens nothing: no open event carries the write
# source: ART T1685.006 (T1070.002) log clearing, done by path instead of through an open file
# cleanup: the throwaway log directory is removed at exit
# known miss: needs a truncate event (docs/coverage.md, "needs sensor work")
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/log)
echo "Accepted password for root from 10.9.8.7" >> "$d/auth.log"
python3 -c "import os, sys; os.truncate(sys.argv[1], 0)" "$d/auth.log"

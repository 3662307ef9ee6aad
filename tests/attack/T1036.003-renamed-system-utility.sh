#!/bin/bash
# technique: T1036.003
# tactic: defense_evasion
# what: a copy of a system program placed in /tmp under a daemon's name (crond) and run
# source: ART T1036.003 #2 "Masquerading as FreeBSD or Linux crond process"
# cleanup: the copy is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
cp /bin/sleep "$d/crond"
"$d/crond" 0.1

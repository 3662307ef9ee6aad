#!/bin/bash
# technique: T1070.006
# tactic: defense_evasion
# what: a file dropped into /usr/local/bin backdated to match its neighbours (touch -r /bin/ls)
# source: ART T1070.006 #4 "Modify file timestamps using reference file"
# cleanup: the file is removed at exit
. "$(dirname "$0")/lib.sh"
f=/usr/local/bin/$VG_MARK
vg_on_exit "rm -f '$f'"
cp /bin/true "$f"
touch -r /bin/ls "$f"

#!/bin/bash
# technique: T1070.006
# tactic: defense_evasion
# what: a dropped file given another file's timestamps (touch -r) and explicit ones (touch -a -t,
#       touch -m -t), outside system directories
# source: ART T1070.006 #1 "Set a file's access timestamp", #2 "...modification timestamp", #4 "...using reference file"
# cleanup: the files are removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/tmp)
echo payload > "$d/implant"
touch -r /bin/ls "$d/implant"
touch -a -t 202001010000.00 "$d/implant"
touch -m -t 202001010000.00 "$d/implant"

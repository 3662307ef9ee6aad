#!/bin/bash
# technique: T1070.006
# tactic: defense_evasion
# what: a file's times set to an implausible date (1 January 1970) with touch -d
# source: ART T1070.006 #1/#2 (defaults: 1970); Invoke-AtomicTest inputs
# cleanup: the file is removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
echo payload > "$d/report.txt"
touch -d "1970-01-01 00:00:00" "$d/report.txt"

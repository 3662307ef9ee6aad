#!/bin/bash
# technique: T1070.002
# tactic: defense_evasion
# what: a log file under /var/log overwritten and removed with shred -u
# source: ART T1070.004 #3 "Overwrite and delete a file with shred"; ART T1685.006 (log clearing)
# cleanup: the throwaway log directory is removed at exit
. "$(dirname "$0")/lib.sh"
vg_have shred
d=$(vg_tmp /var/log)
echo "Accepted password for root from 10.9.8.7" >> "$d/auth.log"
shred -u -z "$d/auth.log"

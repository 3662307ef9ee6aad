#!/bin/bash
# technique: T1070.004
# tactic: defense_evasion
# what: a file overwritten and unlinked with shred -u (evidence destruction)
# source: ART T1070.004 #3 "Overwrite and delete a file with shred"; Falco stable "Remove Bulk Data from Disk" (shred)
# cleanup: the file is gone; its directory is removed at exit
. "$(dirname "$0")/lib.sh"
vg_have shred
d=$(vg_tmp /var/tmp)
echo evidence > "$d/notes.txt"
shred -u "$d/notes.txt"

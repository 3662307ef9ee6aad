#!/bin/bash
# technique: T1070.004
# tactic: defense_evasion
# what: a program started from a copy that deletes its own file while running
# source: ART T1070.004 (file deletion), the way implants remove themselves
# cleanup: the copy is gone by itself; its directory is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/tmp)
cp /bin/sh "$d/updater"
"$d/updater" -c 'rm -f "$0"; sleep 0.3' "$d/updater"

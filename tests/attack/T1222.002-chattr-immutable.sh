#!/bin/bash
# technique: T1222.002
# tactic: defense_evasion
# what: the immutable attribute set on a file and removed again with chattr (+i, -i)
# source: ART T1222.002 #9 "chattr - Remove immutable file attribute"
# cleanup: the attribute is removed and the file deleted at exit
. "$(dirname "$0")/lib.sh"
vg_have chattr
d=$(vg_tmp /var/tmp)
echo data > "$d/locked"
vg_on_exit "chattr -i '$d/locked'"
chattr +i "$d/locked" 2>/dev/null
chattr -i "$d/locked" 2>/dev/null
true

#!/bin/bash
# technique: T1548.001
# tactic: privilege_escalation, defense_evasion
# what: a copy of a shell given the setuid and setgid bits (chmod u+s, g+s)
# source: ART T1548.001 #3 "Set a SetUID flag on file", #5 "Set a SetGID flag on file"; event-generator set_setuid_or_setgid_bit
# cleanup: the copy is removed with its directory at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
cp /bin/sh "$d/sh"
chmod u+s "$d/sh"
chmod g+s "$d/sh"

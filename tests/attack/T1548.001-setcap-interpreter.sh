#!/bin/bash
# technique: T1548.001
# tactic: privilege_escalation, defense_evasion
# what: file capability cap_setuid+ep given to a copy of an interpreter (setcap), a root backdoor
# source: ART T1548.001 #7 "Make and modify capabilities of a binary", #8 "Provide the SetUID capability to a file"
# cleanup: the copy is removed at exit
. "$(dirname "$0")/lib.sh"
vg_have setcap
d=$(vg_tmp)
cp "$(readlink -f "$(command -v python3)")" "$d/python3"
setcap cap_setuid+ep "$d/python3"

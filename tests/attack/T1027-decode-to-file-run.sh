#!/bin/bash
# technique: T1027
# tactic: defense_evasion, execution
# what: an encoded script decoded into a file in /tmp, made executable and run (it has no #! line,
#       so the exec fails with ENOEXEC and the shell runs it itself)
# source: ART T1027 #1 "Decode base64 Data into Script"
# cleanup: the files are removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
echo ZWNobyBIZWxsbyBmcm9tIHRoZSBBdG9taWMgUmVkIFRlYW0= > "$d/encoded.dat"
cat "$d/encoded.dat" | base64 -d > "$d/art.sh"
chmod +x "$d/art.sh"
"$d/art.sh" >/dev/null

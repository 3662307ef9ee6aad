#!/bin/bash
# technique: T1059.006
# tactic: execution
# what: python code downloaded with curl and piped straight into python3 (reading its program
#       from stdin)
# source: ART T1059.004 #12 "Detecting pipe-to-shell", with an interpreter as the receiving end
# cleanup: the server stops at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/tmp)
echo 'print("installed")' > "$d/get.py"
port=$(vg_serve http "$d")
curl -s "http://127.0.0.1:$port/get.py" | python3 >/dev/null

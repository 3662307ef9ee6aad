#!/bin/bash
# technique: T1059.004
# tactic: execution
# what: a script downloaded with curl and piped straight into bash (from a loopback web server)
# source: ART T1059.004 #12 "Detecting pipe-to-shell"
# cleanup: the server stops at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
echo 'echo installed > /dev/null' > "$d/install.sh"
port=$(vg_serve http "$d")
curl -s "http://127.0.0.1:$port/install.sh" | bash

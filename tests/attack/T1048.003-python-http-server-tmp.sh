#!/bin/bash
# technique: T1048.003
# tactic: exfiltration
# what: python3 -m http.server started in /tmp (serving collected files), then fetched once
# source: ART T1048.003 #8 "Python3 http.server"
# cleanup: the server is stopped at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
echo loot > "$d/loot.txt"
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
(cd "$d" && exec timeout 10 python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
vg_on_exit "kill $!"
for i in $(seq 30); do curl -s -o /dev/null "http://127.0.0.1:$port/loot.txt" && break; sleep 0.1; done

#!/bin/bash
# technique: T1105
# tactic: command_and_control, execution
# what: a binary downloaded with curl into /tmp, made executable and run
# source: ART T1105 #27 "Linux Download File and Run"; event-generator drop_and_execute_new_binary (Falco stable)
# cleanup: the download and the server are removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
srv=$(vg_tmp /var/tmp)
cp /bin/true "$srv/agent"
port=$(vg_serve http "$srv")
d=$(vg_tmp)
curl -s -o "$d/agent" "http://127.0.0.1:$port/agent"
chmod +x "$d/agent"
"$d/agent"

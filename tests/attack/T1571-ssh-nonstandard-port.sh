#!/bin/bash
# technique: T1571
# tactic: command_and_control
# what: the ssh client connecting to a port other than 22 (a tunnel or a C2 relay)
# source: event-generator disallowed_ssh_connection_non_standard_port (Falco stable)
# cleanup: the listener stops at exit
. "$(dirname "$0")/lib.sh"
vg_have ssh
port=$(vg_serve sink)
timeout 3 ssh -o BatchMode=yes -o ConnectTimeout=1 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	-p "$port" "tunnel@127.0.0.1" true 2>/dev/null
true

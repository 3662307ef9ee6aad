#!/bin/bash
# technique: T1036.005
# tactic: defense_evasion
# what: a program run from a directory named "..." (looks like the parent directory in ls)
# source: ART T1036.005 #1 "Execute a process from a directory masquerading as the current parent directory"
# cleanup: the directory is removed at exit
. "$(dirname "$0")/lib.sh"
home=$(vg_tmp /var/tmp)
mkdir "$home/..."
cp /bin/sh "$home/.../sh"
"$home/.../sh" -c "echo hello" >/dev/null

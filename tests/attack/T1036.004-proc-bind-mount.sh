#!/bin/bash
# technique: T1036.004
# tactic: defense_evasion
# what: a process hidden from ps by bind-mounting another /proc/PID directory over its own
#       (in a private mount namespace, so no other process's view of /proc changes)
# source: ART T1036.004 #4 "Hiding a malicious process with bind mounts"
# cleanup: the mount namespace ends with the script; the hidden process is killed at exit
. "$(dirname "$0")/lib.sh"
vg_have unshare
sleep 10 &
hidden=$!
vg_on_exit "kill $hidden"
unshare -m --propagation private sh -c 'mount --bind /proc/1 "/proc/$1" && umount "/proc/$1"' sh "$hidden"

#!/bin/bash
# technique: T1055
# tactic: privilege_escalation, defense_evasion
# what: from the host, setns into the mount, UTS and network namespaces of another process
#       (nsenter -t PID), the way an intruder enters a container's namespaces or hides in them
# source: issue 10 (T1611/T1055 nsenter/setns into another process's namespaces)
# cleanup: the namespace holder is killed at exit
. "$(dirname "$0")/lib.sh"
vg_have unshare nsenter
unshare -m -u -n sleep 10 &
holder=$!
vg_on_exit "kill $holder"
sleep 0.3
nsenter -t "$holder" -m -u -n -- hostname >/dev/null

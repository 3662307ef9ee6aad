#!/bin/bash
# technique: T1611
# tactic: privilege_escalation
# what: from a new pid and mount namespace (a container-like sandbox), nsenter into the mount
#       and UTS namespaces of a process outside it (the host's: nsenter -t 1 where the host's
#       pid 1 is reachable; here the script's own shell, as pid 1 may be shielded)
# source: event-generator change_thread_namespace; container escape playbooks (nsenter -t 1)
# cleanup: the namespaces end with the script
. "$(dirname "$0")/lib.sh"
vg_have unshare nsenter
unshare -p -f -m sh -c 'nsenter -t "$1" -m -u -- true' sh "$$" 2>/dev/null
true

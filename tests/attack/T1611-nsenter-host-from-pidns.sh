#!/bin/bash
# technique: T1611
# tactic: privilege_escalation
# what: from a new pid and mount namespace (a container-like sandbox), nsenter into the mount
#       namespace of pid 1 (the host's)
# source: event-generator change_thread_namespace; container escape playbooks (nsenter -t 1)
# cleanup: the namespaces end with the script
. "$(dirname "$0")/lib.sh"
vg_have unshare nsenter
unshare -p -f -m sh -c 'nsenter -t 1 -m -- true' 2>/dev/null
true

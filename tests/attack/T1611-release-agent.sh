#!/bin/bash
# technique: T1611
# tactic: privilege_escalation
# what: the release_agent escape: a cgroup v1 hierarchy mounted in a private mount namespace and
#       its release_agent opened for writing (with its current, empty value)
# source: event-generator detect_release_agent_file_container_escapes (Falco stable)
# cleanup: the hierarchy is unmounted and the namespace ends with the script
. "$(dirname "$0")/lib.sh"
vg_have unshare
d=$(vg_tmp)
unshare -m --propagation private sh -c '
	mount -t cgroup -o none,name=$2 cgroup "$1" || exit 0
	cat "$1/release_agent" > "$1/release_agent"
	umount "$1"' sh "$d" "${VG_MARK: -10}" 2>/dev/null
true

#!/bin/bash
# technique: T1611
# tactic: privilege_escalation
# what: /proc/sys/kernel/core_pattern opened for writing (a pipe there runs as root on the host at
#       the next crash); the current value is written back, so nothing changes
# source: container escape via core_pattern; event-generator detect_release_agent_file_container_escapes (the same family)
# cleanup: nothing changes
. "$(dirname "$0")/lib.sh"
cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern

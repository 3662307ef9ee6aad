#!/bin/bash
# technique: T1562.001
# tactic: defense_evasion
# what: the other security sysctls written by a script: yama ptrace_scope, kptr_restrict,
#       dmesg_restrict, unprivileged_bpf_disabled, protected_symlinks (each set to its current value)
# source: ART T1685 (T1562.001), the sysctls the issue lists
# cleanup: no setting is changed
. "$(dirname "$0")/lib.sh"
for k in kernel/yama/ptrace_scope kernel/kptr_restrict kernel/dmesg_restrict kernel/unprivileged_bpf_disabled fs/protected_symlinks; do
	[ -w /proc/sys/$k ] || continue
	v=$(cat /proc/sys/$k)
	echo "$v" > /proc/sys/$k 2>/dev/null || true
done

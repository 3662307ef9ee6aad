#!/bin/bash
# technique: T1529
# tactic: impact
# what: the magic SysRq trigger written (reboot, crash and kill-all live there); the key sent here
#       is 'h', which only prints the SysRq help to the kernel log
# source: ART T1529 #16 "Abuse of Linux Magic System Request Key for Reboot", T1489 #8
# cleanup: nothing changes
. "$(dirname "$0")/lib.sh"
[ -e /proc/sysrq-trigger ] || { echo "no /proc/sysrq-trigger (kernel without MAGIC_SYSRQ)" >&2; exit 77; }
echo h > /proc/sysrq-trigger

#!/bin/bash
# technique: T1562.001
# tactic: defense_evasion
# what: kernel.randomize_va_space written with sysctl -w, as when ASLR is turned off. The value
#       written is the one already in force (this machine is shared): the sensor sees the same
#       write of the same file whatever the value.
# source: ART T1685 (T1562.001) #62 "Disable ASLR Via sysctl parameters - Linux"
# cleanup: the setting is never changed
# fast: yes
. "$(dirname "$0")/lib.sh"
sysctl -q -w kernel.randomize_va_space="$(cat /proc/sys/kernel/randomize_va_space)"

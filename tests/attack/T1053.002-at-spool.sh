#!/bin/bash
# technique: T1053.002
# tactic: persistence, execution, privilege_escalation
# what: an at job queued: with at(1) when installed, else the job file at(1) would write into /var/spool/cron/atjobs
# source: ART T1053.002 #2 "At - Schedule a job"
# cleanup: the job is removed (atrm, or the file) at exit
. "$(dirname "$0")/lib.sh"
if command -v at >/dev/null; then
	echo "echo $VG_MARK" | at -q z now + 1 year 2>/dev/null
	vg_on_exit "for j in \$(atq -q z | cut -f1); do atrm \$j; done"
else
	vg_mkdir /var/spool/cron/atjobs
	f=/var/spool/cron/atjobs/z$VG_MARK
	vg_on_exit "rm -f '$f'"
	printf '#!/bin/sh\necho %s\n' "$VG_MARK" > "$f"
fi

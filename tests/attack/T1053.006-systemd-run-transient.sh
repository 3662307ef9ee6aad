#!/bin/bash
# technique: T1053.006
# tactic: persistence, execution, privilege_escalation
# what: a transient timer started with systemd-run --on-active (no unit file on disk); where no
#       systemd manager runs the call fails, which changes nothing the sensor sees
# source: ART T1053.006 #2/#3 "transient systemd service and timer"
# cleanup: the transient unit (if it was created) is stopped at exit
. "$(dirname "$0")/lib.sh"
vg_have systemd-run
vg_on_exit "systemctl stop '$VG_MARK.timer'"
systemd-run --unit "$VG_MARK" --on-active=365d /bin/true 2>/dev/null || true

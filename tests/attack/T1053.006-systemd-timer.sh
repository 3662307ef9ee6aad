#!/bin/bash
# technique: T1053.006
# tactic: persistence, execution, privilege_escalation
# what: a systemd service and timer unit written into /etc/systemd/system (never enabled here)
# source: ART T1053.006 #1 "Create Systemd Service and Timer"
# cleanup: both unit files are removed at exit
. "$(dirname "$0")/lib.sh"
vg_mkdir /etc/systemd/system
u=/etc/systemd/system/$VG_MARK
vg_on_exit "rm -f '$u.service' '$u.timer'"
printf '[Service]\nType=oneshot\nExecStart=/tmp/%s/payload.sh\n' "$VG_MARK" > "$u.service"
printf '[Timer]\nOnCalendar=*-02-31\n[Install]\nWantedBy=timers.target\n' > "$u.timer"

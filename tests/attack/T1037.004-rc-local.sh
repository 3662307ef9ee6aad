#!/bin/bash
# technique: T1037.004
# tactic: persistence, privilege_escalation
# what: a command appended to /etc/rc.local and /etc/rc.common (run as root at boot)
# source: ART T1037.004 #2 "rc.common", #3 "rc.local"
# cleanup: both files are restored (or removed when they did not exist) at exit
. "$(dirname "$0")/lib.sh"
for f in /etc/rc.local /etc/rc.common; do
	vg_keep "$f"
	echo "/tmp/$VG_MARK/payload &" >> "$f"
done

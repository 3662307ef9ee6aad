#!/bin/bash
# technique: T1548.001
# tactic: discovery, privilege_escalation
# what: a search for setuid and setgid programs (find -perm -4000, -perm -2000)
# source: ART T1548.001 #9 "Do reconnaissance for files that have the setuid bit set", #10 (setgid)
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
timeout 5 find /usr/bin /usr/sbin -perm -4000 -type f >/dev/null 2>&1
timeout 5 find /usr/bin /usr/sbin -perm -2000 -type f >/dev/null 2>&1
true

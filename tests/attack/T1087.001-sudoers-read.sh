#!/bin/bash
# technique: T1087.001
# tactic: discovery
# what: who may use sudo, read from /etc/sudoers and its drop-ins
# source: ART T1087.001 #2 "View sudoers access"
# cleanup: the throwaway drop-in is removed at exit
. "$(dirname "$0")/lib.sh"
vg_mkdir /etc/sudoers.d
vg_keep /etc/sudoers
[ -e /etc/sudoers ] || echo "root ALL=(ALL:ALL) ALL" > /etc/sudoers
cat /etc/sudoers /etc/sudoers.d/* >/dev/null 2>&1
true

#!/bin/bash
# technique: T1136.001
# tactic: persistence
# what: a local account created with uid 0 and gid 0 (a second root), then removed
# source: ART T1136.001 #6 "Create a new user in Linux with root UID and GID"
# cleanup: the account is deleted at exit (userdel -f)
. "$(dirname "$0")/lib.sh"
vg_have useradd userdel
user=vg${VG_MARK: -8}
vg_on_exit "userdel -f '$user'"
useradd -o -u 0 -g 0 -M -d /root -s /bin/bash "$user"

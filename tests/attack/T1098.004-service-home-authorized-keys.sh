#!/bin/bash
# technique: T1098.004
# tactic: persistence, privilege_escalation
# what: an authorized_keys file planted in the home of a service account that lives outside
#       /root and /home (e.g. /var/spool/uucp, /var/www, /nonexistent made to exist)
# source: ART T1098.004 #1 (the home of any account in passwd, not only root's)
# cleanup: the throwaway home directory is removed at exit
. "$(dirname "$0")/lib.sh"
home=/var/spool/$VG_MARK/www
vg_mkdir "$home/.ssh"
cp /dev/null "$home/.ssh/authorized_keys"
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDQ2QJdcKqb6JY7Ze6VZ0R0bRzK6p2c5p0XH9l0oQb2y $VG_MARK" >> "$home/.ssh/authorized_keys"

#!/bin/bash
# technique: T1098.004
# tactic: persistence, privilege_escalation
# what: a public key appended to root's ~/.ssh/authorized_keys
# source: ART T1098.004 #1 "Modify SSH Authorized Keys"; event-generator adding_ssh_keys_to_authorized_keys
# cleanup: the file is restored (or removed, with ~/.ssh if it was created) at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
vg_mkdir /root/.ssh
vg_keep /root/.ssh/authorized_keys
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDQ2QJdcKqb6JY7Ze6VZ0R0bRzK6p2c5p0XH9l0oQb2y $VG_MARK" >> /root/.ssh/authorized_keys

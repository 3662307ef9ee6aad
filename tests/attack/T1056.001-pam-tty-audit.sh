#!/bin/bash
# technique: T1056.001
# tactic: collection, credential_access
# what: pam_tty_audit with log_passwd (keystrokes, passwords included, to the audit log) added to a PAM stack
# source: ART T1056.001 #2 "Living off the land Terminal Input Capture on Linux with pam.d"
# cleanup: the file is removed at exit
. "$(dirname "$0")/lib.sh"
vg_mkdir /etc/pam.d
f=/etc/pam.d/$VG_MARK
vg_on_exit "rm -f '$f'"
echo "session required pam_tty_audit.so enable=* log_passwd" > "$f"

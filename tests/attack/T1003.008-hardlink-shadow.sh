#!/bin/bash
# technique: T1003.008
# tactic: credential_access
# what: /etc/shadow given a second name with a hard link and a symbolic link, to be read under those names
# source: event-generator create_hardlink_over_sensitive_files / create_symlink_over_sensitive_files (Falco stable rules)
# cleanup: the links are removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/tmp)
ln /etc/shadow "$d/shadow-hard" 2>/dev/null || true
ln -s /etc/shadow "$d/shadow-sym"

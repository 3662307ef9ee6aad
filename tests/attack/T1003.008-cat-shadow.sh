#!/bin/bash
# technique: T1003.008
# tactic: credential_access
# what: /etc/shadow copied out with cat
# source: ART T1003.008 #1 "Access /etc/shadow (Local)"; event-generator read_sensitive_file_untrusted
# cleanup: the copy is removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
cat /etc/shadow > "$d/T1003.008.txt"

#!/bin/bash
# technique: T1552.001
# tactic: credential_access
# what: a recursive grep for passwords over system and home directories
# source: ART T1552.001 #3 "Extract passwords with grep"; event-generator search_private_keys_or_passwords
# cleanup: the result file is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
timeout 5 grep -riIl --exclude-dir=proc "password" /etc > "$d/found" 2>/dev/null
true

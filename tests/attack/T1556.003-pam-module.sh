#!/bin/bash
# technique: T1556.003
# tactic: credential_access, defense_evasion, persistence
# what: a shared object copied into the PAM module directory (a module no PAM stack references)
# source: ART T1556.003 #3 "Malicious PAM module"
# cleanup: the module is removed at exit
. "$(dirname "$0")/lib.sh"
vg_have cc
d=$(vg_tmp)
printf 'int pam_sm_authenticate(void) { return 0; }\n' > "$d/pam.c"
cc -shared -fPIC -o "$d/pam_$VG_MARK.so" "$d/pam.c"
dir=/lib/x86_64-linux-gnu/security
[ -d "$dir" ] || dir=/lib/security
vg_mkdir "$dir"
vg_on_exit "rm -f '$dir/pam_$VG_MARK.so'"
cp "$d/pam_$VG_MARK.so" "$dir/"

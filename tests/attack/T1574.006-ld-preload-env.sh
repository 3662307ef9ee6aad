#!/bin/bash
# technique: T1574.006
# tactic: persistence, privilege_escalation, defense_evasion
# what: a program started with LD_PRELOAD naming a library built in /tmp
# source: ART T1574.006 #2 "Shared Library Injection via LD_PRELOAD"
# cleanup: the library is removed with its directory at exit
. "$(dirname "$0")/lib.sh"
vg_have cc
d=$(vg_tmp)
printf '__attribute__((constructor)) static void hook(void) {}\n' > "$d/hook.c"
cc -shared -fPIC -o "$d/libhook.so" "$d/hook.c"
LD_PRELOAD=$d/libhook.so /bin/true

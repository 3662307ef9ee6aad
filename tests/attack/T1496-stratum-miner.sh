#!/bin/bash
# technique: T1496
# tactic: impact
# what: a program started with a stratum mining-pool URL and miner options (a copy of sleep named
#       xmrig in /dev/shm pointed at a loopback pool)
# source: event-generator detect_crypto_miners_using_the_stratum_protocol
# cleanup: the copy is removed at exit (vigil kills the process)
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /dev/shm)
cp /bin/sleep "$d/xmrig"
"$d/xmrig" 0.5 -o stratum+tcp://127.0.0.1:3333 --donate-level=1 2>/dev/null
true

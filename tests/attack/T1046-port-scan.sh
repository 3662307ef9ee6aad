#!/bin/bash
# technique: T1046
# tactic: discovery
# what: a TCP connect scan of 40 closed ports on loopback (bash /dev/tcp)
# source: ART T1046 #1 "Port Scan"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
for p in $(seq 1 40); do (echo > /dev/tcp/127.0.0.1/$((40000 + p))) 2>/dev/null; done
true

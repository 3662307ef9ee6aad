#!/bin/bash
# technique: T1027
# tactic: defense_evasion, execution
# what: a payload decoded with openssl base64 -d and run by sh, spelled on one command line (sh -c)
# source: ART T1027 #1 "Decode base64 Data into Script"; issue 10 (openssl base64 -d | sh)
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
sh -c 'echo ZWNobyBoZWxsbwo= | openssl base64 -d | sh' >/dev/null

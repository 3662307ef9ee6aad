#!/bin/bash
# technique: T1140
# tactic: defense_evasion, execution
# what: a hex-encoded command reversed with xxd -r -p and piped into sh
# source: ART T1140 #8 "Hex decoding with shell utilities"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
vg_have xxd
echo 6563686f2068656c6c6f0a | xxd -r -p | sh >/dev/null

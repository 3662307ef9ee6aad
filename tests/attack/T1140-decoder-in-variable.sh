#!/bin/bash
# technique: T1140
# tactic: defense_evasion, execution
# what: the decoder held in a variable ($decodecmd | /bin/bash), so neither command line says base64 -d | bash
# source: ART T1140 #5 "Base64 decoding with shell utilities" (decodecmd input)
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
decodecmd="base64 --decode"
echo ZWNobyAiaGVsbG8gZnJvbSB0aGUgZGVjb2RlciIK | $decodecmd | /bin/bash >/dev/null

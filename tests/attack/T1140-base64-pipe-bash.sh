#!/bin/bash
# technique: T1140
# tactic: defense_evasion, execution
# what: an encoded command decoded with base64 -d and piped into bash, from inside a script (no
#       command line ever holds the whole pipeline)
# source: ART T1140 #9 "Linux Base64 Encoded Shebang in CLI", T1059.004 #12 "Detecting pipe-to-shell"
# cleanup: nothing persists
# fast: yes
. "$(dirname "$0")/lib.sh"
echo IyEvYmluL2Jhc2gKZWNobyBoZWxsbwo= | base64 -d | bash >/dev/null

#!/bin/bash
# technique: T1059.006
# tactic: execution
# what: python -c running a shell command through os.system (a dropped one-liner)
# source: ART T1059.006 #1 "Execute shell script via python's command mode arguement"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
python3 -c "import os; os.system('uname -a > /dev/null')"

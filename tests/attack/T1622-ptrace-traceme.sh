#!/bin/bash
# technique: T1622
# tactic: defense_evasion, discovery
# what: a program calls ptrace(PTRACE_TRACEME) on itself to find out whether a debugger is attached
#       (and keep one from attaching)
# source: event-generator ptrace_anti_debug_attempt (Falco stable "PTRACE anti-debug attempt")
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
python3 -c "import ctypes; ctypes.CDLL(None).ptrace(0, 0, 0, 0)"

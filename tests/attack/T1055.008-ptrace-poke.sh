#!/bin/bash
# technique: T1055.008
# tactic: defense_evasion, privilege_escalation
# what: a script (no terminal) attaches to another process with ptrace and writes a word of its
#       memory back (PTRACE_ATTACH, PEEKDATA, POKEDATA of the same value), as injectors do
# source: event-generator ptrace_attached_to_process (Falco stable "PTRACE attached to process")
# cleanup: the target is detached and killed at exit
. "$(dirname "$0")/lib.sh"
sleep 10 &
target=$!
vg_on_exit "kill $target"
python3 - "$target" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
pid = int(sys.argv[1])
PTRACE_PEEKDATA, PTRACE_POKEDATA, PTRACE_ATTACH, PTRACE_DETACH = 2, 5, 16, 17
if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
    os.waitpid(pid, 0)
    with open("/proc/%d/maps" % pid) as f:
        addr = next(int(l.split("-")[0], 16) for l in f if "[stack]" in l)
    word = libc.ptrace(PTRACE_PEEKDATA, pid, ctypes.c_void_p(addr), None)
    libc.ptrace(PTRACE_POKEDATA, pid, ctypes.c_void_p(addr), ctypes.c_void_p(word & (2**64 - 1)))
    libc.ptrace(PTRACE_DETACH, pid, None, None)
PY

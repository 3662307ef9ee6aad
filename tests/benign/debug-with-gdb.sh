#!/bin/bash
# benign: a CI job collecting a backtrace: a small program built and run under gdb -batch
# (gdb starts it with PTRACE_TRACEME, sets its registers and writes breakpoints), and strace
# following a command
# cleanup: the build directory is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
vg_have gdb cc
d=$(vg_tmp)
printf 'int main(void) { return 0; }\n' > "$d/t.c"
cc -g -o "$d/t" "$d/t.c"
gdb -batch -nx -ex run -ex bt --args "$d/t" >/dev/null 2>&1
command -v strace >/dev/null && strace -f -o /dev/null true
true

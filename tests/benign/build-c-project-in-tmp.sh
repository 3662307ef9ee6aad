#!/bin/bash
# benign: a developer builds a small C project under /tmp with make and cc, runs its tests and
# its binary from the build directory, then installs it into a prefix under /tmp and runs it there
# fast: yes
# cleanup: the project directory is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
vg_have make cc
d=$(vg_tmp)
cd "$d"
cat > hello.c <<'C'
#include <stdio.h>
int main(int argc, char **argv) { printf("hello %d\n", argc); return 0; }
C
cat > test_hello.c <<'C'
int main(void) { return 0; }
C
printf 'all: hello test_hello\nhello: hello.c\n\tcc -O2 -o $@ $<\ntest_hello: test_hello.c\n\tcc -o $@ $<\ncheck: test_hello\n\t./test_hello\ninstall: hello\n\tinstall -D -m 755 hello $(PREFIX)/bin/hello\n' > Makefile
make -s
make -s check
./hello
"$d/hello" a b
make -s install PREFIX="$d/prefix"
"$d/prefix/bin/hello"
cc -O2 -o hello2 hello.c && ./hello2

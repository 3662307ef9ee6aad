#!/bin/bash
# benign: a CI job: checkout (a local clone), print the environment it runs in (uname, nproc,
# env, df, id), build, run the test binary from the workspace under /tmp, archive the artifacts
# cleanup: the workspace is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
vg_have git make cc
d=$(vg_tmp)
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com
git init -q "$d/origin" && cd "$d/origin"
printf 'int main(void){return 0;}\n' > t.c
printf 'test: t\n\t./t\nt: t.c\n\tcc -o t t.c\n' > Makefile
git add . && git commit -qm ci
git clone -q "$d/origin" "$d/ws" && cd "$d/ws"
uname -a >/dev/null; nproc >/dev/null; env >/dev/null; df -h . >/dev/null; id >/dev/null
make -s test
"$d/ws/t"
tar -czf "$d/artifacts.tgz" t

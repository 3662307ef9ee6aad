#!/bin/bash
# benign: everyday git: init, commit, branch, merge, log, diff, a local clone and a pull
# cleanup: the repositories are removed at exit
. "$(dirname "$0")/../attack/lib.sh"
vg_have git
d=$(vg_tmp)
export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
cd "$d" && git init -q repo && cd repo
echo "# project" > README.md && git add README.md && git commit -qm "first"
git checkout -qb feature && echo "more" >> README.md && git commit -qam "more"
git checkout -q - && git merge -q feature && git log --oneline >/dev/null && git diff HEAD~1 >/dev/null
git clone -q "$d/repo" "$d/clone" && cd "$d/clone" && git pull -q && git status -s

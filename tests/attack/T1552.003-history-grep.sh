#!/bin/bash
# technique: T1552.003
# tactic: credential_access
# what: another account's shell history read and searched for passwords and ssh commands
# source: ART T1552.003 #1 "Search Through Bash History", #2 "Search Through sh History"
# cleanup: the throwaway home and the results are removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
home=$(vg_tmp /var/tmp)
printf 'ls\nmysql -u root -pS3cret\nssh admin@db\n' >> "$home/.bash_history"
cat "$home/.bash_history" | grep -e '-p ' -e 'pass' -e 'ssh' > "$d/loot.txt"
grep -i pass "$home/.bash_history" >> "$d/loot.txt"
true

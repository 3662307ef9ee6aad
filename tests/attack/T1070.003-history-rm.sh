#!/bin/bash
# technique: T1070.003
# tactic: defense_evasion
# what: a shell history file deleted (rm)
# source: ART T1070.003 #1 "Clear Bash history (rm)"; event-generator delete_or_rename_shell_history
# cleanup: the throwaway home is removed at exit
. "$(dirname "$0")/lib.sh"
home=$(vg_tmp /var/tmp)
printf 'id\nwhoami\n' >> "$home/.bash_history"
rm "$home/.bash_history"

#!/bin/bash
# technique: T1070.003
# tactic: defense_evasion
# what: a shell history replaced by a symbolic link to /dev/null, and another truncated with cat /dev/null
# source: ART T1070.003 #3 "Clear Bash history (cat dev/null)", #4 "Clear Bash history (ln dev/null)", #5 (truncate)
# cleanup: the throwaway home is removed at exit
. "$(dirname "$0")/lib.sh"
home=$(vg_tmp /var/tmp)
printf 'id\n' >> "$home/.bash_history"
printf 'id\n' >> "$home/.zsh_history"
ln -sf /dev/null "$home/.bash_history"
cat /dev/null > "$home/.zsh_history"

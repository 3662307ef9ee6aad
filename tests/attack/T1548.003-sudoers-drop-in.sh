#!/bin/bash
# technique: T1548.003
# tactic: privilege_escalation, defense_evasion
# what: a NOPASSWD rule and an unlimited timestamp_timeout written into /etc/sudoers.d (for an
#       account that does not exist, so it grants nothing)
# source: ART T1548.003 #3 "Unlimited sudo cache timeout", #5 "Disable tty_tickets for sudo caching"
# cleanup: the drop-in (and /etc/sudoers.d if it was created) is removed at exit
. "$(dirname "$0")/lib.sh"
vg_mkdir /etc/sudoers.d
f=/etc/sudoers.d/$VG_MARK
vg_on_exit "rm -f '$f'"
printf 'Defaults timestamp_timeout=-1\nDefaults !tty_tickets\nvg-nobody-%s ALL=(ALL) NOPASSWD: ALL\n' "$VG_MARK" > "$f"

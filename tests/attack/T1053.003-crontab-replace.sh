#!/bin/bash
# technique: T1053.003
# tactic: persistence, execution, privilege_escalation
# what: an account's crontab replaced from a file by a script (crontab FILE), not edited at a terminal
# source: ART T1053.003 #1 "Cron - Replace crontab with referenced file"
# cleanup: the crontab of the throwaway account is removed, the account deleted
. "$(dirname "$0")/lib.sh"
vg_have crontab
d=$(vg_tmp)
echo "0 0 31 2 * /tmp/$VG_MARK/evil.sh" > "$d/persistevil"
crontab -u daemon -l > "$d/saved" 2>/dev/null && vg_on_exit "crontab -u daemon '$d/saved'" || vg_on_exit "crontab -u daemon -r"
crontab -u daemon "$d/persistevil"

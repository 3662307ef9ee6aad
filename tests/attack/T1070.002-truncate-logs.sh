#!/bin/bash
# technique: T1070.002
# tactic: defense_evasion
# what: log files under /var/log emptied three ways: truncate -s 0, a shell redirection (> file),
#       and cat /dev/null > file
# source: ART T1685.006 (T1070.002) #5 "Truncate system log files via truncate utility", #7, #20 "Overwrite Linux Log"; event-generator clear_log_activities (Falco stable)
# cleanup: the throwaway log directory is removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/log)
for f in auth.log secure syslog; do echo "Accepted password for root from 10.9.8.7" >> "$d/$f"; done
truncate -s 0 "$d/auth.log"
> "$d/secure"
cat /dev/null > "$d/syslog"

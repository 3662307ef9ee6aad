#!/bin/bash
# technique: T1543.002
# tactic: persistence, privilege_escalation
# what: a SysV init script dropped into /etc/init.d
# source: ART T1543.002 #2 "Create SysV Service"
# cleanup: the script is removed at exit
. "$(dirname "$0")/lib.sh"
vg_mkdir /etc/init.d
s=/etc/init.d/$VG_MARK
vg_on_exit "rm -f '$s'"
printf '#!/bin/sh\n### BEGIN INIT INFO\n# Provides: %s\n### END INIT INFO\n/tmp/%s/payload &\n' "$VG_MARK" "$VG_MARK" > "$s"
chmod 755 "$s"

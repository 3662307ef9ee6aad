#!/bin/bash
# technique: T1036.006
# tactic: defense_evasion
# what: a script whose file name ends with a space (shown as "init") made executable and run
# source: ART T1036.006 #2 "Space After Filename"
# cleanup: the directory is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/tmp)
printf '#!/bin/sh\necho running\n' > "$d/init "
chmod +x "$d/init "
"$d/init " >/dev/null

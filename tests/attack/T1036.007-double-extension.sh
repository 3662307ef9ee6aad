#!/bin/bash
# technique: T1036.007
# tactic: defense_evasion, execution
# what: a #! script named report.pdf.sh dropped in /tmp and run directly: the kernel names the
#       process after the script (comm report.pdf.sh) and runs the interpreter from the #! line
# source: ART T1036.007 #2 "Linux File Extension Masquerading"; issue 10 (#! scripts in /tmp)
# cleanup: the script is removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
printf '#!/bin/bash\nid >/dev/null\n' > "$d/report.pdf.sh"
chmod +x "$d/report.pdf.sh"
"$d/report.pdf.sh"

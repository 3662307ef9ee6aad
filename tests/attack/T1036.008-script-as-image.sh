#!/bin/bash
# technique: T1036.008
# tactic: defense_evasion
# what: a shell script saved as image.png and run with sh
# source: ART T1036.008 #1 "Linux File Type Masquerading via Extension Change"
# cleanup: the file is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
echo '#!/bin/sh' > "$d/image.png"
echo 'echo "Running script masked as PNG"' >> "$d/image.png"
sh "$d/image.png" >/dev/null

#!/bin/bash
# technique: T1105
# tactic: command_and_control, execution
# what: a #! script downloaded with curl into a directory under /tmp and run by a relative path
#       (cd there; ./run.sh): the exec names the interpreter and "./run.sh", never the full
#       path curl wrote
# source: ART T1105 #27 "Linux Download File and Run", with a script instead of a binary
# cleanup: the download and the server are removed at exit
# known miss: needs the exec's script path resolved by the kernel (docs/coverage.md, "needs sensor work")
. "$(dirname "$0")/lib.sh"
srv=$(vg_tmp /var/tmp)
printf '#!/bin/sh\nid > /dev/null\n' > "$srv/run.sh"
port=$(vg_serve http "$srv")
d=$(vg_tmp)
cd "$d"
curl -s -o run.sh "http://127.0.0.1:$port/run.sh"
chmod +x run.sh
./run.sh

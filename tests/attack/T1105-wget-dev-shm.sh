#!/bin/bash
# technique: T1105
# tactic: command_and_control, execution
# what: a binary fetched with wget into /dev/shm and run from there
# source: event-generator execution_from_dev_shm (Falco stable "Execution from /dev/shm")
# cleanup: the download and the server are removed at exit
. "$(dirname "$0")/lib.sh"
vg_have wget
srv=$(vg_tmp /var/tmp)
cp /bin/true "$srv/kdevtmp"
port=$(vg_serve http "$srv")
d=$(vg_tmp /dev/shm)
wget -q -O "$d/kdevtmp" "http://127.0.0.1:$port/kdevtmp"
chmod +x "$d/kdevtmp"
"$d/kdevtmp"

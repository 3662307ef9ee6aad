#!/bin/bash
# technique: T1564.001
# tactic: defense_evasion
# what: a hidden directory with a hidden file created in /var/tmp, and a hidden file in /dev/shm
# source: ART T1564.001 #1 "Create a hidden file in a hidden directory"; event-generator create_hidden_files_or_directories
# cleanup: both are removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
h=/var/tmp/.$VG_MARK
vg_on_exit "rm -rf '$h' '/dev/shm/.$VG_MARK'"
mkdir "$h"
echo payload > "$h/.hidden-file"
cp /bin/true "/dev/shm/.$VG_MARK"

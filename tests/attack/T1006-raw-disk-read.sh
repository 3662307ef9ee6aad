#!/bin/bash
# technique: T1006
# tactic: defense_evasion
# what: the host disk read raw, bypassing file permissions: dd of the first sector of the root
#       block device, and debugfs opening it (read-only)
# source: ART T1006 (Direct Volume Access, no Linux atomic yet); event-generator debugfs_launched_in_privileged_container (Falco stable)
# cleanup: nothing is written
. "$(dirname "$0")/lib.sh"
dev=$(findmnt -no SOURCE /)
case "$dev" in /dev/*) ;; *) dev=$(lsblk -dpno NAME | head -1) ;; esac
dd if="$dev" of=/dev/null bs=512 count=1 2>/dev/null
command -v debugfs >/dev/null && debugfs -R "stats" "$dev" >/dev/null 2>&1
true

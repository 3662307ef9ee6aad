#!/bin/bash
# benign: searching the file system from / for configuration files and large files (find walks,
# and so opens, every directory it passes, /etc/sudoers.d among them)
# fast: yes
# cleanup: nothing is written
. "$(dirname "$0")/../attack/lib.sh"
vg_mkdir /etc/sudoers.d
timeout 10 find / -xdev -maxdepth 3 -name '*.conf' -type f >/dev/null 2>&1
timeout 10 find /etc /var -xdev -size +1M -type f >/dev/null 2>&1
true

#!/bin/bash
# benign: a service's logs under /var/log rotated the way logrotate's default (create) mode does
# it, by a script: the live log renamed to .1, older ones shifted, compressed, the oldest
# expired, a fresh log created, and the service appending to it
# fast: yes
# cleanup: the log directory is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
d=$(vg_tmp /var/log)
for i in 1 2 3; do echo "line $i" >> "$d/app.log"; done
echo old >> "$d/app.log.2.gz"
echo older >> "$d/app.log.3.gz"
rm -f "$d/app.log.3.gz"
mv "$d/app.log.2.gz" "$d/app.log.3.gz"
mv "$d/app.log" "$d/app.log.1"
gzip "$d/app.log.1"
mv "$d/app.log.1.gz" "$d/app.log.2.gz"
: >> "$d/app.log"
echo "started" >> "$d/app.log"

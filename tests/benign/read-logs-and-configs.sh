#!/bin/bash
# benign: reading logs and configuration: tail and grep through /var/log, sysctl reads (no
# writes), ps | grep for a service, pgrep, a look at ld.so.conf and /etc/hosts
# cleanup: nothing is written
. "$(dirname "$0")/../attack/lib.sh"
tail -n 5 /var/log/*.log >/dev/null 2>&1
grep -i error /var/log/*.log >/dev/null 2>&1
sysctl kernel.randomize_va_space kernel.kptr_restrict >/dev/null 2>&1
sysctl -a >/dev/null 2>&1
ps aux | grep -v grep | grep sshd >/dev/null
pgrep -a python3 >/dev/null
cat /etc/ld.so.conf /etc/hosts >/dev/null 2>&1
true

#!/bin/bash
# benign: an administrator's look at a host: processes, disks, memory, uptime, addresses,
# sockets, identity, kernel, mounts, the OS release, environment (the ART discovery one-liners,
# run as a person runs them)
# fast: yes
# cleanup: nothing is written
. "$(dirname "$0")/../attack/lib.sh"
ps aux >/dev/null
df -h >/dev/null
free -m >/dev/null
uptime >/dev/null
ip a >/dev/null
ip route >/dev/null
ss -tlnp >/dev/null
id >/dev/null
uname -a >/dev/null
hostname >/dev/null
whoami >/dev/null
w >/dev/null 2>&1
lsblk >/dev/null 2>&1
mount >/dev/null
cat /etc/os-release >/dev/null
env >/dev/null
lscpu >/dev/null 2>&1
getent passwd root >/dev/null
cat /etc/passwd | cut -d: -f1 >/dev/null

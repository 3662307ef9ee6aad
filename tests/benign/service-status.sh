#!/bin/bash
# benign: an administrator checks jobs and services: crontab -l, systemctl status and
# list-units, service --status-all (failing where no service manager runs, as here)
# cleanup: nothing is written
. "$(dirname "$0")/../attack/lib.sh"
command -v crontab >/dev/null && crontab -l >/dev/null 2>&1
systemctl status >/dev/null 2>&1
systemctl list-units --type=service >/dev/null 2>&1
systemctl status ssh >/dev/null 2>&1
command -v service >/dev/null && service --status-all >/dev/null 2>&1
true

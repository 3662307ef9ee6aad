#!/bin/bash
# technique: T1555.003
# tactic: credential_access
# what: a browser's saved logins (Firefox logins.json + key4.db, Chromium "Login Data") copied by a
#       program that is not the browser
# source: ART T1555.003 #9 "LaZagne.py - Dump Credentials from Firefox Browser"
# cleanup: the throwaway profile and the copies are removed at exit
. "$(dirname "$0")/lib.sh"
home=$(vg_tmp /var/tmp)
loot=$(vg_tmp)
mkdir -p "$home/.mozilla/firefox/ab12cd.default-release" "$home/.config/chromium/Default"
echo '{"logins":[]}' > "$home/.mozilla/firefox/ab12cd.default-release/logins.json"
: > "$home/.mozilla/firefox/ab12cd.default-release/key4.db"
: > "$home/.config/chromium/Default/Login Data"
cp "$home"/.mozilla/firefox/*/logins.json "$home"/.mozilla/firefox/*/key4.db "$home/.config/chromium/Default/Login Data" "$loot/"

#!/bin/bash
# technique: T1560.001
# tactic: collection, exfiltration
# what: files staged into an archive (tar, zip) which is then encrypted (openssl enc, gpg -c) and base64-encoded
# source: ART T1560.001 #8 "Data Encrypted with zip and gpg symmetric", #9 "Encrypts collected data with AES-256 and Base64"
# cleanup: the staging directory is removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
cp /etc/hostname /etc/os-release "$d/"
tar -czf "$d/stage.tgz" -C "$d" hostname os-release
openssl enc -aes-256-cbc -pbkdf2 -pass pass:atomic -in "$d/stage.tgz" -out "$d/stage.enc"
base64 "$d/stage.enc" > /dev/null
command -v zip >/dev/null && (cd "$d" && zip -q stage.zip hostname && echo atomic | gpg --batch --yes --passphrase-fd 0 --output stage.zip.gpg -c stage.zip 2>/dev/null)
true

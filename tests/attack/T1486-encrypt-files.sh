#!/bin/bash
# technique: T1486
# tactic: impact
# what: several files encrypted in place with openssl enc and gpg, the originals removed (ransomware-like)
# source: ART T1486 #1 "Encrypt files using gpg", #4 "Encrypt files using openssl"
# cleanup: the directory is removed at exit
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp /var/tmp)
for i in 1 2 3; do echo "document $i" > "$d/doc$i.txt"; done
for f in "$d"/doc*.txt; do
	openssl enc -aes-256-cbc -pbkdf2 -pass pass:ransom -in "$f" -out "$f.enc" && rm -f "$f"
done
echo pass | gpg --batch --yes --passphrase-fd 0 -c -o "$d/doc.gpg" "$d/doc1.txt.enc" 2>/dev/null
true

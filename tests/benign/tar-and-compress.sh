#!/bin/bash
# benign: archives: tar create and extract (extraction restores the files' times), gzip and
# gunzip, zip and unzip, cp -a of a tree
# cleanup: the directories are removed at exit
. "$(dirname "$0")/../attack/lib.sh"
d=$(vg_tmp)
mkdir -p "$d/src/docs" && echo a > "$d/src/a.txt" && echo b > "$d/src/docs/b.txt"
tar -czf "$d/src.tgz" -C "$d" src
mkdir "$d/out" && tar -xzf "$d/src.tgz" -C "$d/out"
gzip -k "$d/src/a.txt" && gunzip -c "$d/src/a.txt.gz" >/dev/null
if command -v zip >/dev/null; then (cd "$d" && zip -qr src.zip src && unzip -qo src.zip -d unz); fi
cp -a "$d/src" "$d/copy"

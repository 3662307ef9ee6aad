#!/bin/bash
# technique: T1560.001
# tactic: collection, exfiltration
# what: collected files put in a password-protected zip (zip --password)
# source: ART T1560.001 #8 "Data Encrypted with zip and gpg symmetric"
# cleanup: the staging directory is removed at exit
. "$(dirname "$0")/lib.sh"
vg_have zip
d=$(vg_tmp)
cd "$d" && touch a b c d e f g
zip -q --password InsertPasswordHere "$d/T1560" ./*

#!/bin/bash
# technique: T1070.008
# tactic: defense_evasion
# what: mail spools copied aside and the copies (and one spool) deleted, then another spool
#       overwritten in place (echo 0 > /var/spool/mail/USER)
# source: ART T1070.008 #2 "Copy and Delete Mailbox Data on Linux"; ART T1685.006 #19 "Overwrite Linux Mail Spool"
# cleanup: the throwaway spools are removed at exit
. "$(dirname "$0")/lib.sh"
spool=/var/spool/mail
[ -d "$spool" ] || spool=/var/mail
vg_mkdir "$spool"
a=$spool/vga-${VG_MARK: -8}; b=$spool/vgb-${VG_MARK: -8}
vg_on_exit "rm -rf '$a' '$b' '$spool/copy-$VG_MARK'"
echo "From root  Mon Jan  1 00:00:00 2024" > "$a"
echo "From root  Mon Jan  1 00:00:00 2024" > "$b"
mkdir -p "$spool/copy-$VG_MARK"
cp -R "$a" "$spool/copy-$VG_MARK/"
rm -rf "$spool/copy-$VG_MARK"/*
rm -f "$a"
echo 0 > "$b"

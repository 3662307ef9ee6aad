#!/bin/bash
# technique: T1553.004
# tactic: defense_evasion
# what: a root CA certificate dropped where the system trust store is built from
#       (/usr/local/share/ca-certificates); update-ca-certificates is not run
# source: ART T1553.004 #3 "Install root CA on Debian/Ubuntu"
# cleanup: the certificate is removed at exit
. "$(dirname "$0")/lib.sh"
vg_have openssl
d=$(vg_tmp)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/rootCA.crt" -days 1 -subj "/CN=$VG_MARK" 2>/dev/null
vg_mkdir /usr/local/share/ca-certificates
vg_on_exit "rm -f /usr/local/share/ca-certificates/$VG_MARK.crt"
cp "$d/rootCA.crt" /usr/local/share/ca-certificates/$VG_MARK.crt

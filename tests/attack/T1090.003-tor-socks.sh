#!/bin/bash
# technique: T1090.003
# tactic: command_and_control
# what: curl sent through a Tor SOCKS proxy (port 9050) to an .onion address; nothing listens
#       there, the connection attempt is what shows
# source: ART T1090.003 #3 "Tor Proxy Usage - Debian/Ubuntu/FreeBSD"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
curl -s -m 2 --socks5-hostname 127.0.0.1:9050 http://expyuzz4wqqyqhjn.onion/ 2>/dev/null
true

#!/bin/bash
# technique: T1040
# tactic: credential_access, discovery
# what: a raw AF_PACKET socket opened on the loopback device and a few frames read (what
#       tcpdump and custom sniffers do), by a python one-liner that names no sniffer
# source: ART T1040 #12 "Packet Capture Linux socket AF_PACKET,SOCK_RAW with sudo"; Falco stable "Packet socket created in container"
# cleanup: the socket closes with the process
# known miss: needs a socket-creation event (docs/coverage.md, "needs sensor work")
. "$(dirname "$0")/lib.sh"
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("lo", 0))
s.settimeout(0.3)
try:
    s.recv(65535)
except OSError:
    pass
PY

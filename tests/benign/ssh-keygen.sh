#!/bin/bash
# benign: a new SSH key pair generated, its fingerprint and public half shown, and the public key
# copied for a colleague
# cleanup: the keys are removed at exit
. "$(dirname "$0")/../attack/lib.sh"
vg_have ssh-keygen
d=$(vg_tmp)
ssh-keygen -q -t ed25519 -N '' -C dev@example.com -f "$d/id_ed25519"
ssh-keygen -l -f "$d/id_ed25519.pub" >/dev/null
ssh-keygen -y -f "$d/id_ed25519" >/dev/null
cp "$d/id_ed25519.pub" "$d/colleague.pub"

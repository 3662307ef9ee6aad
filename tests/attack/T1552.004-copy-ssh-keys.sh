#!/bin/bash
# technique: T1552.004
# tactic: credential_access
# what: private SSH keys searched for with find, then copied out with cp
# source: ART T1552.004 #2 "Discover Private SSH Keys", #3 "Copy Private SSH Keys with CP"; event-generator read_ssh_information
# cleanup: the throwaway keys and the copies are removed at exit
# fast: yes
. "$(dirname "$0")/lib.sh"
home=$(vg_tmp /var/tmp)
loot=$(vg_tmp)
mkdir -p "$home/.ssh"
ssh-keygen -q -t ed25519 -N '' -f "$home/.ssh/id_ed25519"
find "$home" -name 'id_*' -not -name '*.pub' > "$loot/keys"
cp "$home/.ssh/id_ed25519" "$loot/"

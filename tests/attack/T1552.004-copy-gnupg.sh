#!/bin/bash
# technique: T1552.004
# tactic: credential_access
# what: a GnuPG home (private-keys-v1.d) copied out with cp -r
# source: ART T1552.004 #7 "Copy the users GnuPG directory with rsync"
# cleanup: the throwaway keyring and the copy are removed at exit
. "$(dirname "$0")/lib.sh"
home=$(vg_tmp /var/tmp)
loot=$(vg_tmp)
mkdir -p "$home/.gnupg/private-keys-v1.d"
chmod 700 "$home/.gnupg"
echo "(private-key (rsa (n #00#)))" > "$home/.gnupg/private-keys-v1.d/0123456789ABCDEF0123456789ABCDEF01234567.key"
cp -r "$home/.gnupg" "$loot/"

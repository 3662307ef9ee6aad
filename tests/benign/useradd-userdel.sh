#!/bin/bash
# benign: an account created for a service, changed, and removed with the shadow-utils tools
# fast: yes
# cleanup: the account is deleted (userdel -r) at the end, and at exit if anything failed
. "$(dirname "$0")/../attack/lib.sh"
vg_have useradd usermod userdel
user=vgb${VG_MARK: -8}
vg_on_exit "userdel -rf '$user'"
useradd -m -s /bin/bash -c "build bot" "$user"
usermod -c "build bot (ci)" "$user"
id "$user" >/dev/null
userdel -r "$user" 2>/dev/null

#!/bin/bash
# benign: an application's configuration changed in place with sed -i and a backup kept, a
# config directory under /etc populated, permissions set (chmod 640, chown root)
# cleanup: everything it created is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
dir=/etc/$VG_MARK
vg_on_exit "rm -rf '$dir'"
mkdir -p "$dir/conf.d"
printf 'listen=8080\nworkers=2\n' > "$dir/app.conf"
sed -i.bak 's/workers=2/workers=4/' "$dir/app.conf"
echo "debug=false" > "$dir/conf.d/10-debug.conf"
chmod 640 "$dir/app.conf"
chown root:root "$dir/app.conf"

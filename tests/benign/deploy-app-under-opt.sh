#!/bin/bash
# benign: an application deployed the way a release tarball is: unpacked under /opt, its binary
# installed with install(1), a symlink in /usr/local/bin, a config in /etc, the app run once
# cleanup: everything it placed is removed at exit
. "$(dirname "$0")/../attack/lib.sh"
build=$(vg_tmp)
mkdir -p "$build/app-1.0/bin" "$build/app-1.0/share"
printf '#!/bin/sh\necho "app 1.0"\n' > "$build/app-1.0/bin/app"
chmod 755 "$build/app-1.0/bin/app"
echo "docs" > "$build/app-1.0/share/README"
tar -czf "$build/app-1.0.tgz" -C "$build" app-1.0
opt=/opt/$VG_MARK
vg_on_exit "rm -rf '$opt' '/etc/$VG_MARK.conf' '/usr/local/bin/$VG_MARK'"
mkdir -p "$opt" && tar -xzf "$build/app-1.0.tgz" -C "$opt"
install -m 755 "$opt/app-1.0/bin/app" "$opt/app"
ln -sf "$opt/app" "/usr/local/bin/$VG_MARK"
printf 'port=8080\nlog=/var/log/app.log\n' > "/etc/$VG_MARK.conf"
"/usr/local/bin/$VG_MARK" >/dev/null
"$opt/app-1.0/bin/app" >/dev/null

#!/bin/sh
# mkdeb.sh BUILD VERSION [OUTDIR] — the Debian package of BUILD/vigil (`make deb`), with dpkg-deb
# alone (no debhelper, no source package): the binary, the rules under /usr/share/vigil, the
# systemd unit, the default config /etc/vigil/vigil.yaml as a conffile (kept on upgrade),
# /etc/vigil/rules.d for local rules, and the maintainer scripts of packaging/deb. The
# dependencies are the libraries the binary links, found by dpkg-shlibdeps. Writes
# OUTDIR/vigil_VERSION_ARCH.deb (OUTDIR: BUILD/deb) and prints its path.
set -eu

build=${1:?usage: mkdeb.sh BUILD VERSION [OUTDIR]}
version=${2:?usage: mkdeb.sh BUILD VERSION [OUTDIR]}
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$(dpkg --print-architecture)
mkdir -p "${3:-$build/deb}"
out=$(cd "${3:-$build/deb}" && pwd)
root=$out/root

[ -x "$build/vigil" ] || { echo "mkdeb: no $build/vigil (run make first)" >&2; exit 1; }
rm -rf "$root" "$out/shlibs"
mkdir -p "$root/DEBIAN" "$out/shlibs/debian"

install -D -m 0755 "$build/vigil" "$root/usr/bin/vigil"
strip --strip-unneeded "$root/usr/bin/vigil"
install -d -m 0755 "$root/usr/share/vigil/rules" "$root/etc/vigil/rules.d"
install -m 0644 "$top"/rules/*.yaml "$root/usr/share/vigil/rules/"
install -D -m 0644 "$top/packaging/vigil.yaml" "$root/etc/vigil/vigil.yaml"
install -D -m 0644 "$top/packaging/vigil.service" "$root/lib/systemd/system/vigil.service"
install -D -m 0644 "$top/README.md" "$root/usr/share/doc/vigil/README.md"
install -m 0644 "$top/docs/deploy.md" "$root/usr/share/doc/vigil/deploy.md"
install -m 0755 "$top"/packaging/deb/postinst "$top"/packaging/deb/prerm "$top"/packaging/deb/postrm "$root/DEBIAN/"

# dpkg-shlibdeps wants a debian/control naming the package, and the binary in its tree
printf 'Source: vigil\n\nPackage: vigil\nArchitecture: any\n' > "$out/shlibs/debian/control"
libs=$(cd "$out/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/vigil" | sed -n 's/^shlibs:Depends=//p')
[ -n "$libs" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

find "$root/etc" -type f | sed "s|^$root||" | sort > "$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
cat > "$root/DEBIAN/control" <<CONTROL
Package: vigil
Version: $version
Architecture: $arch
Maintainer: vigil developers <vigil@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $libs, init-system-helpers (>= 1.54~)
Section: admin
Priority: optional
Description: eBPF host and container intrusion detection
 vigil loads eBPF sensors at kernel hook points, gives each event its process and
 container context, runs detection rules and keeps the evidence. Its sensors stay
 pinned in bpffs across restarts, so a killed agent loses nothing, and it alerts on
 attempts to silence it.
CONTROL

deb=$out/vigil_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"

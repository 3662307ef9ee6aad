#!/bin/sh
# Installs what vigil needs to build, run and test, from Debian, only when something is missing.
set -e
pkgs="clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libyaml-dev libpcre2-dev libcmocka-dev
      uthash-dev libseccomp-dev libjansson-dev libsqlite3-dev libssl-dev gcc-multilib python3 make pkg-config kmod libcap2-bin perl
      util-linux bsdutils passwd libcurl4-openssl-dev libnats-dev nats-server rsyslog
      clickhouse-server libmicrohttpd-dev prometheus libgraphviz-dev xxd chromium
      dpkg-dev systemd init-system-helpers"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing" >&2
	if [ "$(id -u)" != 0 ]; then echo "deps: need root to install$missing" >&2; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
# Tracepoints live in tracefs; mount it when the kernel has it but nobody mounted it.
if [ ! -d /sys/kernel/tracing/events ] && [ "$(id -u)" = 0 ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi

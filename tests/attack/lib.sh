# lib.sh — what every corpus script (tests/attack/*.sh, tests/benign/*.sh) shares: a unique
# mark, private temp dirs, cleanup that runs even on failure, backups of files a script
# must touch, and loopback helper servers. Source it first:  . "$(dirname "$0")/../attack/lib.sh"
#
# Scripts run as root on a shared machine, possibly next to other engineers' work, so:
# every name carries $VG_MARK, every change is undone by the EXIT trap (in reverse order),
# every server binds 127.0.0.1 on a port the kernel picks, and nothing outlives the script.

VG_MARK=${VG_MARK:-vgatk-$$-$(date +%s%N | tail -c 7)}
VG_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)
VG_HELPER="$VG_LIB_DIR/helpers/loopback.py"
_vg_cleanups=()

# vg_on_exit CMD...: run CMD (one string, eval'd) when the script exits, newest first.
vg_on_exit() { _vg_cleanups+=("$*"); }

_vg_cleanup() {
	local i
	for ((i = ${#_vg_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_vg_cleanups[$i]}" >/dev/null 2>&1 || true
	done
}
trap _vg_cleanup EXIT
trap 'exit 130' INT TERM

# vg_tmp [BASE]: a fresh directory (under BASE, default /tmp) removed at exit.
vg_tmp() {
	local d
	d=$(mktemp -d "${1:-/tmp}/$VG_MARK.XXXXXX") || exit 1
	chmod 755 "$d"
	vg_on_exit "rm -rf '$d'"
	echo "$d"
}

# vg_keep PATH: PATH is put back as it was at exit (content and mode), or removed when it
# did not exist.
vg_keep() {
	local path=$1 backup
	if [ -e "$path" ]; then
		backup=$(mktemp "/tmp/$VG_MARK.keep.XXXXXX")
		cp -a "$path" "$backup"
		vg_on_exit "cp -a '$backup' '$path'; rm -f '$backup'"
	else
		vg_on_exit "rm -rf '$path'"
	fi
}

# vg_mkdir DIR: mkdir -p DIR; the directories it created are removed at exit.
vg_mkdir() {
	local d=$1 top=""
	while [ ! -e "$d" ]; do top=$d; d=$(dirname "$d"); done
	mkdir -p "$1"
	[ -n "$top" ] && vg_on_exit "rm -rf '$top'"
	return 0
}

# vg_serve MODE [ARG]: starts the loopback helper (helpers/loopback.py MODE ARG) in the
# background, stops it at exit, and prints the port it listens on (127.0.0.1).
#   http DIR      serves DIR over HTTP (GET, and PUT/POST that are read and discarded)
#   shell CMDS    accepts one TCP client, sends CMDS (one line each) and reads the replies
#   sink          accepts TCP clients and reads until they close
vg_serve() {
	local portfile pid i
	portfile=$(mktemp "/tmp/$VG_MARK.port.XXXXXX")
	python3 "$VG_HELPER" "$portfile" "$@" >/dev/null 2>&1 &
	pid=$!
	vg_on_exit "kill $pid; rm -f '$portfile'"
	for i in $(seq 100); do
		[ -s "$portfile" ] && { cat "$portfile"; return 0; }
		sleep 0.05
	done
	echo "vg_serve: helper did not start" >&2
	return 1
}

# vg_wait_pid PID [SECS]: waits (up to SECS, default 5) for a process that is not our child.
vg_wait_pid() {
	local i
	for i in $(seq $((${2:-5} * 20))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# vg_have TOOL...: true when every TOOL is installed; otherwise says which is missing and
# exits with 77, which the harness reports as SKIP.
vg_have() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "missing tool: $t" >&2; exit 77; }
	done
}

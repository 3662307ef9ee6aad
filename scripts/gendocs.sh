#!/bin/sh
# Regenerates the parts of the docs that describe the code, from the binary: every region
#   <!-- BEGIN GENERATED: vigil ARGS -->
#   ...
#   <!-- END GENERATED -->
# in docs/*.md and README.md is replaced by the output of `BUILD/vigil ARGS`.
# Usage: scripts/gendocs.sh BUILD [--check]   (--check: exit 1, naming the file, when a
# committed region differs from what the binary prints; make test runs this)
set -eu
build=${1:?usage: gendocs.sh BUILD [--check]}
check=${2:-}
status=0
for doc in docs/*.md README.md; do
	grep -q '<!-- BEGIN GENERATED: ' "$doc" || continue
	out=$(mktemp)
	awk -v vigil="$build/vigil" '
		/<!-- BEGIN GENERATED: vigil .* -->/ {
			print
			cmd = $0
			sub(/.*<!-- BEGIN GENERATED: vigil /, "", cmd)
			sub(/ -->.*/, "", cmd)
			if (system(vigil " " cmd) != 0) { print "gendocs: `vigil " cmd "` failed" > "/dev/stderr"; exit 2 }
			skipping = 1
			next
		}
		/<!-- END GENERATED -->/ { skipping = 0 }
		!skipping { print }
	' "$doc" > "$out"
	if [ "$check" = --check ]; then
		if ! cmp -s "$doc" "$out"; then
			echo "gendocs: $doc is out of date with the code; run: make docs" >&2
			diff -u "$doc" "$out" | head -n 20 >&2 || true
			status=1
		fi
		rm -f "$out"
	else
		mv "$out" "$doc"
	fi
done
exit $status

#!/bin/sh
# Runs vigil's tests: every unit binary in BUILD/tests and every tests/e2e/test_*.py, then
# prints one line "N passed, N failed". Usage: tests/run.sh BUILD [unit|e2e]
build=${1:-build}
what=${2:-all}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT


if [ "$what" != e2e ]; then
	# docs that describe the code must match what the code says
	if out=$(scripts/gendocs.sh "$build" --check 2>&1); then
		echo "PASS docs/generated"
		passed=$((passed + 1))
	else
		echo "$out" | tail -n 25
		echo "FAIL docs/generated"
		failed=$((failed + 1))
	fi
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		if out=$("$t" 2>&1); then
			echo "PASS unit/$name"
			passed=$((passed + 1))
		else
			echo "$out" | tail -n 30
			echo "FAIL unit/$name"
			failed=$((failed + 1))
		fi
	done
fi
if [ "$what" != unit ]; then
	VIGIL_BUILD=$build python3 tests/e2e/runner.py > "$log.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		echo "$line"
		case "$line" in
		PASS*) passed=$((passed + 1)) ;;
		FAIL*) failed=$((failed + 1)) ;;
		esac
	done < "$log.out"
	rm -f "$log.out"
	[ $rc -le 1 ] || { echo "FAIL e2e/runner (exit $rc)"; failed=$((failed + 1)); }
	# the benchmark harness's quick mode, so that it keeps working
	if bench/run.sh "$build" --smoke > "$log.bench" 2>&1; then
		echo "PASS bench/smoke"
		passed=$((passed + 1))
	else
		tail -n 30 "$log.bench"
		echo "FAIL bench/smoke"
		failed=$((failed + 1))
	fi
	rm -f "$log.bench"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

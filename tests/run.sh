#!/bin/sh
# Runs vigil's tests: every unit binary in BUILD/tests, every tests/e2e/test_*.py and each
# fuzz harness for a few seconds (when $VIGIL_FUZZ_BUILD holds them: `make test` builds them),
# then prints one line "N passed, N failed". Usage: tests/run.sh BUILD [unit|e2e|fuzz]
build=${1:-build}
what=${2:-all}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT


if [ "$what" = all ] || [ "$what" = unit ]; then
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
if [ "$what" = all ] || [ "$what" = fuzz ]; then
	fuzz=${VIGIL_FUZZ_BUILD:-build-fuzz}
	if [ -x "$fuzz/gen_seeds" ]; then
		# a few seconds each, so that the harnesses keep building and the regressions replay
		tests/fuzz/run.sh "$fuzz" "${VIGIL_FUZZ_S:-3}" > "$log.fuzz" 2>&1
		while IFS= read -r line; do
			case "$line" in
			PASS*) passed=$((passed + 1)); echo "$line" ;;
			FAIL*) failed=$((failed + 1)); echo "$line" ;;
			esac
		done < "$log.fuzz"
		grep -q '^FAIL' "$log.fuzz" && tail -n 60 "$log.fuzz"
		rm -f "$log.fuzz"
	elif [ "$what" = fuzz ]; then
		echo "FAIL fuzz: no harnesses in $fuzz (make fuzz-build)"
		failed=$((failed + 1))
	fi
fi
if [ "$what" = all ] || [ "$what" = e2e ]; then
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

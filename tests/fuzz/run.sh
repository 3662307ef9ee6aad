#!/bin/sh
# Runs every libFuzzer harness (BUILD/fuzz_*) for SECONDS each and then, if it made fewer
# than FUZZ_RUNS executions (env, default 0), on until it has made that many: a slow target
# (the rule compiler, about 1,000 a second under ASan) gets the executions a fast one gets in
# the time. Prints one line per target: "PASS fuzz/T: N executions in S s" or FAIL with the
# crash report. Before a run, each target replays tests/fuzz/regressions/T/ (crash inputs
# found earlier: every one must now pass) and the committed seeds; the corpus grows in
# BUILD/corpus/T across runs.
# Usage: [FUZZ_RUNS=N] tests/fuzz/run.sh BUILD SECONDS [TARGET...]     (make fuzz, make test)
build=${1:?usage: run.sh BUILD SECONDS [TARGET...]}
secs=${2:?usage: run.sh BUILD SECONDS [TARGET...]}
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
seeds=$build/seeds
targets=${*:-$(for f in "$build"/fuzz_*; do [ -x "$f" ] && basename "$f" | sed 's/^fuzz_//'; done)}
failed=0

# The executions a run's final stats report.
executions() {
	sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1 | grep .
}

"$build/gen_seeds" "$seeds" || exit 1
for t in $targets; do
	bin=$build/fuzz_$t
	corpus=$build/corpus/$t
	log=$build/fuzz_$t.log
	rm -f "$log.more"
	mkdir -p "$corpus"
	opts="-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$build/$t-"
	case $t in
	rules) extra="$root/rules $root/tests/unit/rules_fixtures $root/tests/unit/rules_fixtures/hostile"
	       extra="$extra $root/tests/unit/rules_fixtures/layered $root/tests/unit/rules_fixtures/bench"
	       opts="$opts -max_len=65536 -dict=$seeds/rules.dict" ;;
	decode|store) extra=$seeds/decode; opts="$opts -max_len=$((3 * 16384)) -dict=$seeds/decode.dict" ;;
	json) extra=$seeds/json; opts="$opts -max_len=8192" ;;
	options) extra=$seeds/options; opts="$opts -max_len=1024 -close_fd_mask=2" ;;
	*) extra= ;;
	esac
	dirs=
	for d in $extra "$root/tests/fuzz/regressions/$t"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	# the regressions, one run each: a crash found once must stay fixed
	if [ -d "$root/tests/fuzz/regressions/$t" ] && [ -n "$(ls "$root/tests/fuzz/regressions/$t")" ] &&
	   ! "$bin" $opts "$root"/tests/fuzz/regressions/$t/* > "$log" 2>&1; then
		tail -n 40 "$log"
		echo "FAIL fuzz/$t: a regression input crashes again"
		failed=$((failed + 1))
		continue
	fi
	start=$(date +%s)
	# shellcheck disable=SC2086
	if nice -n 10 "$bin" $opts -max_total_time="$secs" "$corpus" $dirs > "$log" 2>&1 &&
	   n=$(executions "$log") && { [ "$n" -ge "${FUZZ_RUNS:-0}" ] ||
	   { nice -n 10 "$bin" $opts -runs=$((FUZZ_RUNS - n)) "$corpus" $dirs > "$log.more" 2>&1 &&
	     n=$((n + $(executions "$log.more"))); }; }; then
		echo "PASS fuzz/$t: $n executions in $(($(date +%s) - start)) s, no crash, leak or UB report"
	else
		[ -f "$log.more" ] && cat "$log.more" >> "$log"
		grep -A 40 -m 1 "ERROR: \|runtime error\|==ERROR\|Sanitizer" "$log" | head -n 60
		ls "$build/$t"-* 2>/dev/null
		echo "FAIL fuzz/$t (see $log)"
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]

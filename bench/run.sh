#!/bin/sh
# Builds the bench workload and runs the harness: bench/run.sh BUILD [--smoke] [--rounds N].
# The full run writes docs/benchmarks.md and bench/results/; --smoke is a seconds-long check
# (vigil vs no agent) that exits 0 only when every measurement produced a number.
set -e
build=${1:?usage: bench/run.sh BUILD [--smoke] [--rounds N]}
shift
here=$(dirname "$0")
mkdir -p "$build/bench"
${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -Werror "$here/workload.c" -o "$build/bench/workload"
exec python3 -B "$here/bench.py" "$build" "$@"

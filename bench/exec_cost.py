#!/usr/bin/env python3
"""Kernel cost of fork+exec+exit under vigil, program by program (issue 14).

bench.py's kernel_cost() method for one workload, repeated: with kernel.bpf_stats_enabled=1
(restored afterwards), vigil runs as `make run` deploys it; for each of REPS rounds of
`workload exec N`, every one of the agent's programs' run count and run time are read before
and after. Reported: per program, the median and the least ns per run (on a shared machine the least is
the closest to the uncontended cost) and runs per exec; and the median
kernel time of all the agent's programs per fork+exec+exit, less the background (the quieter
of the idle rates just before and after a round, scaled to its duration): programs also run
for every other process on this shared machine.

usage: bench/exec_cost.py [--build DIR] [--vigil BINARY] [--execs N] [--reps R]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agents  # noqa: E402

STATS = "/proc/sys/kernel/bpf_stats_enabled"


def program_stats(ids):
    progs = agents.bpf_programs()
    return {i: (progs[i].get("name", "?"), progs[i].get("run_cnt", 0), progs[i].get("run_time_ns", 0))
            for i in ids if i in progs}


def kernel_time(ids):
    return sum(ns for _, _, ns in program_stats(ids).values())


def idle_rate(ids, seconds):
    began, start = time.monotonic(), kernel_time(ids)
    time.sleep(seconds)
    return (kernel_time(ids) - start) / (time.monotonic() - began)


def measure(build, vigil, execs, reps, idle_s):
    workdir = tempfile.mkdtemp(prefix="vigil-exec-cost-")
    agent = agents.Vigil(workdir, os.path.abspath(vigil or os.path.join(build, "vigil")), rules_dir=os.path.abspath("rules"))
    agent.start()
    rounds = []
    try:
        time.sleep(0.5)
        ids = agent.programs
        for _ in range(reps):
            before_idle = idle_rate(ids, idle_s)
            began, before = time.monotonic(), program_stats(ids)
            subprocess.run([os.path.join(build, "bench", "workload"), "exec", str(execs)],
                           check=True, capture_output=True)
            after, seconds = program_stats(ids), time.monotonic() - began
            background = min(before_idle, idle_rate(ids, idle_s))
            progs = {}
            for i, (name, cnt, ns) in after.items():
                runs, spent = cnt - before[i][1], ns - before[i][2]
                if runs:
                    progs[name if name not in progs else f"{name}#{i}"] = (runs, spent)
            total = sum(spent for _, spent in progs.values())
            rounds.append({"per_exec_ns": max(0.0, total - background * seconds) / execs,
                           "raw_per_exec_ns": total / execs, "programs": progs})
    finally:
        agent.stop()
    return rounds


def report(rounds, execs):
    names = sorted({n for r in rounds for n in r["programs"]},
                   key=lambda n: -statistics.median(r["programs"].get(n, (0, 0))[1] for r in rounds))
    print(f"{'program':48} {'ns/run':>8} {'min':>8} {'runs/exec':>9} {'ns/exec':>8}")
    for name in names:
        got = [r["programs"][name] for r in rounds if name in r["programs"]]
        per_run = statistics.median(spent / runs for runs, spent in got)
        least = min(spent / runs for runs, spent in got)
        runs = statistics.median(runs for runs, _ in got) / execs
        per_exec = statistics.median(spent for _, spent in got) / execs
        print(f"{name:48} {per_run:8.0f} {least:8.0f} {runs:9.2f} {per_exec:8.0f}")
    print("kernel ns per fork+exec+exit (median of %d, background subtracted): %.0f  (raw %.0f)"
          % (len(rounds), statistics.median(r["per_exec_ns"] for r in rounds),
             statistics.median(r["raw_per_exec_ns"] for r in rounds)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--vigil", help="the agent binary (default BUILD/vigil)")
    ap.add_argument("--execs", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--idle", type=float, default=1.0, help="seconds of each idle-rate sample")
    args = ap.parse_args()
    with open(STATS) as f:
        saved = f.read().strip()
    with open(STATS, "w") as f:
        f.write("1")
    try:
        rounds = measure(args.build, args.vigil, args.execs, args.reps, args.idle)
    finally:
        with open(STATS, "w") as f:
            f.write(saved)
    report(rounds, args.execs)


if __name__ == "__main__":
    main()

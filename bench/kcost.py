#!/usr/bin/env python3
"""Kernel cost per program for one workload, without the whole `make bench`: what an engineer
changing a BPF handler runs before and after. The agent runs as `make run` deploys it; with
kernel.bpf_stats_enabled on (restored after), each program's run_time_ns and run_cnt are read
before and after the workload, REPEAT times with a fresh agent each time, and the median ns per
run is shown for the programs whose name contains MATCH. With --wall, the workload also runs
without the agent as often, alternating, and the wall-time ratio of the medians is shown.
Several --build directories (a change and its base) run alternately within each round, so
that the load other users put on the machine falls on both alike.

  bench/kcost.py [--build DIR]... [--repeat 3] [--match vg_file_] [--wall] -- WORKLOAD ARGS...
  e.g. bench/kcost.py --wall -- build/bench/workload files 30000 /dev/shm/kc
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agents import bpf_programs, programs_of, stop_process  # noqa: E402
from bench import BpfStats  # noqa: E402


def start_agent(build):
    proc = subprocess.Popen([f"{build}/vigil", "run", "--profile", "default", "--rules", "rules",
                             "--no-pin", "--output", "/dev/null", "--config", "/dev/null"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "vigil: running" in line:
            return proc
    stop_process(proc)
    sys.exit("kcost: the agent exited before it was running")


def stats(ids):
    """name -> (run_cnt, run_time_ns) for the programs in ids."""
    return {p["name"]: (p.get("run_cnt", 0), p.get("run_time_ns", 0))
            for i, p in bpf_programs().items() if i in ids}


def timed(cmd):
    began = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - began


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--match", default="vg_file_")
    ap.add_argument("--wall", action="store_true")
    ap.add_argument("workload", nargs="+")
    args = ap.parse_args()
    builds = args.build or ["build"]
    for d in (a for a in args.workload if a.startswith("/dev/shm/")):
        os.makedirs(d, exist_ok=True)
    per_run = {b: {} for b in builds}
    walls = {b: [] for b in builds}
    bare = []
    with BpfStats():
        for _ in range(args.repeat):
            if args.wall:
                bare.append(timed(args.workload))
            for build in builds:
                agent = start_agent(build)
                try:
                    time.sleep(0.5)
                    ids = programs_of([agent.pid])
                    before = stats(ids)
                    walls[build].append(timed(args.workload))
                    after = stats(ids)
                finally:
                    stop_process(agent)
                for name, (cnt, ns) in after.items():
                    runs = cnt - before.get(name, (0, 0))[0]
                    if args.match in name and runs > 0:
                        per_run[build].setdefault(name, []).append((ns - before[name][1]) / runs)
    for build in builds:
        print(f"== {build}")
        for name in sorted(per_run[build]):
            vals = per_run[build][name]
            print(f"{name:48s} {statistics.median(vals):8.0f} ns/run  (runs: {', '.join(f'{v:.0f}' for v in vals)})")
        if args.wall:
            w, b = statistics.median(walls[build]), statistics.median(bare)
            print(f"wall: agent {w:.3f}s, none {b:.3f}s, ratio {w / b:.3f}"
                  f"  (agent: {', '.join(f'{x:.3f}' for x in walls[build])}; none: {', '.join(f'{x:.3f}' for x in bare)})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Kernel cost per program for one workload, without the whole `make bench`: what an engineer
changing a BPF handler runs before and after. The agent runs as `make run` deploys it; with
kernel.bpf_stats_enabled on (restored after), each program's run_time_ns and run_cnt are read
before and after the workload, REPEAT times with a fresh agent each time, and the median ns per
run is shown for the programs whose name contains MATCH. With --wall, the workload also runs
without the agent as often, alternating, and the wall-time ratio of the medians is shown.

  bench/kcost.py [--build build] [--repeat 3] [--match vg_file_] [--wall] -- WORKLOAD ARGS...
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
                             "--no-pin", "--output", "/dev/null"],
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
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--match", default="vg_file_")
    ap.add_argument("--wall", action="store_true")
    ap.add_argument("workload", nargs="+")
    args = ap.parse_args()
    dirs = [a for a in args.workload if a.startswith("/dev/shm/")]
    for d in dirs:
        os.makedirs(d, exist_ok=True)
    per_run, walls, bare = {}, [], []
    with BpfStats():
        for _ in range(args.repeat):
            if args.wall:
                bare.append(timed(args.workload))
            agent = start_agent(args.build)
            try:
                time.sleep(0.5)
                ids = programs_of([agent.pid])
                before = stats(ids)
                walls.append(timed(args.workload))
                after = stats(ids)
            finally:
                stop_process(agent)
            for name, (cnt, ns) in after.items():
                runs = cnt - before.get(name, (0, 0))[0]
                if args.match in name and runs > 0:
                    per_run.setdefault(name, []).append((ns - before[name][1]) / runs)
    for name in sorted(per_run):
        vals = per_run[name]
        print(f"{name:48s} {statistics.median(vals):8.0f} ns/run  (runs: {', '.join(f'{v:.0f}' for v in vals)})")
    if args.wall:
        ratio = statistics.median(walls) / statistics.median(bare)
        print(f"wall: agent {statistics.median(walls):.3f}s, none {statistics.median(bare):.3f}s, ratio {ratio:.3f}"
              f"  (agent: {', '.join(f'{w:.3f}' for w in walls)}; none: {', '.join(f'{b:.3f}' for b in bare)})")


if __name__ == "__main__":
    main()

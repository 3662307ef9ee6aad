#!/usr/bin/env python3
"""Measures what vigil costs this machine, next to peers doing the same job.

Called by bench/run.sh (make bench / make bench-smoke). Phases:
  1. overhead: workloads (getppid, exec, files, connect, redis) under each agent, in interleaved
     rounds that always include a run without any agent; medians and ratios to that run, with
     the agent's CPU% and RSS during each workload;
  2. kernel cost: run time per BPF program and per workload operation (kernel.bpf_stats_enabled);
  3. capacity: a paced then unpaced file flood under vigil, read against its loss counters;
  4. store: the evidence store's lossless ingest rate (bench/store_bench.c through the real
     sink), and vigil's CPU and loss under the flat-out flood with and without --store;
  5. sinks: each output's cost at a paced lossless rate, and `vigil collect` into ClickHouse and SQLite
     (bench/sinks.py);
  6. replay: a recording (bench/record.py) through `vigil replay` with the default rules:
     alerts as JSON, every event as JSON, and --store (the pipeline apart from the flood).
Everything it starts or changes (agents, redis, audit rules, the sysctl, scratch files) is undone
on the way out, also on failure or Ctrl-C.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import agents
import report
import sinks

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Operation counts per mode. Full: about 10 minutes on 2 cores; smoke: a few seconds.
SETTINGS = {
    "full": {"rounds": 7, "getppid": 5_000_000, "exec": 1500, "files": 30_000,
             "connect": 15_000, "redis": 40_000, "idle_s": 1.0,
             # capacity steps: (file cycles/s per worker or 0 for flat out, workers, cycles per
             # worker, ring buffer bytes or 0 for vigil's default); the last step's small ring
             # forces loss, to show how it is counted.
             "capacity": [(2000, 1, 6000, 0), (5000, 1, 15_000, 0), (10_000, 1, 30_000, 0),
                          (20_000, 1, 60_000, 0), (0, 1, 100_000, 0), (0, 2, 100_000, 0),
                          (0, 2, 100_000, 65536)],
             # the flood step run with and without --store
             "store_flood": (0, 1, 100_000, 0),
             # sinks: file cycles/s (two events each) and cycles per sink run
             "sinks": (4000, 40_000),
             # phase 6: records in the recording, runs of each replay (median)
             "replay_records": 300_000, "replay_runs": 5},
    "smoke": {"rounds": 1, "getppid": 200_000, "exec": 50, "files": 1000,
              "connect": 300, "redis": 1000, "idle_s": 0.5,
              "capacity": [(0, 1, 3000, 0)], "store_flood": (0, 1, 3000, 0), "sinks": (500, 600),
              "replay_records": 20_000, "replay_runs": 1},
}

# name -> (unit, True when a bigger number is better)
WORKLOADS = {
    "getppid": ("ns/call", False),
    "exec": ("execs/s", True),
    "files": ("files/s", True),
    "connect": ("conns/s", True),
    "redis": ("req/s", True),
}

CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(f"signal {signum}")


# ---------------------------------------------------------------------------------------------
# The machine and what it needs installed


def machine_facts():
    cpu, hypervisor = "unknown", False
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                hypervisor = hypervisor or " hypervisor" in line
    with open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / 2**20
    container = subprocess.run(["systemd-detect-virt", "--container"], capture_output=True,
                               text=True).stdout.strip() if shutil.which("systemd-detect-virt") else ""
    machine = [platform.machine(), "virtual machine" if hypervisor else "bare metal"]
    if container and container != "none":
        machine.append(f"in a {container} container")
    return {"kernel": platform.release(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": round(mem_gib, 1), "machine": ", ".join(machine),
            "hostname": socket.gethostname()}


def installed(package):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                         capture_output=True, text=True).stdout
    return "install ok installed" in out


def ensure_packages(packages):
    missing = [p for p in packages if not installed(p)]
    if missing:
        log(f"installing {' '.join(missing)} with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env,
                       stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------
# Workloads


class Redis:
    """One redis-server on loopback for the whole run, persistence off."""

    def __init__(self, workdir):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", workdir, "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start listening")

    def stop(self):
        agents.stop_process(self.proc)


class Workloads:
    def __init__(self, workload_bin, files_dir, counts, redis):
        self.bin = workload_bin
        self.files_dir = files_dir
        self.counts = counts
        self.redis = redis

    def run(self, name):
        """Runs one workload; returns (the number in its unit, operations done)."""
        if name == "redis":
            return self.run_redis()
        argv = [self.bin, name, str(self.counts[name])]
        if name == "files":
            argv.append(self.files_dir)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")
        result = json.loads(done.stdout)
        value = result["ns_per_op"] if name == "getppid" else result["rate"]
        return value, result["count"]

    def run_redis(self):
        n = self.counts["redis"]
        out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(self.redis.port),
                              "-n", str(n), "-c", "20", "-t", "set,get", "--csv"],
                             capture_output=True, text=True, check=True, timeout=300).stdout
        rates = [float(row["rps"]) for row in csv.DictReader(out.splitlines())]
        if len(rates) != 2:
            raise RuntimeError(f"unexpected redis-benchmark output: {out!r}")
        # Both tests ran n requests: the overall rate is their harmonic mean.
        return 2 / sum(1 / r for r in rates), 2 * n


def flood(workload_bin, directory, rate, workers, cycles):
    """The capacity driver: `workers` file storms at once, each paced at `rate` (0: flat out).
    Returns (file cycles per second over all workers, seconds)."""
    procs = []
    for i in range(workers):
        d = os.path.join(directory, str(i))
        os.makedirs(d, exist_ok=True)
        argv = [workload_bin, "files", str(cycles), d] + ([str(rate)] if rate else [])
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, text=True))
    results = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
    if any(p.returncode for p in procs):
        raise RuntimeError("flood workload failed")
    seconds = max(r["seconds"] for r in results)
    return workers * cycles / seconds, seconds


# ---------------------------------------------------------------------------------------------
# Agent CPU% and RSS


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:
        return 0


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class ResourceSampler:
    """CPU% of the agent's processes over a span, and their peak summed RSS sampled every 0.1 s."""

    def __init__(self, pids):
        self.pids = pids
        self.peak_kib = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while not self.done.is_set():
            self.peak_kib = max(self.peak_kib, sum(rss_kib(p) for p in self.pids))
            self.done.wait(0.1)

    def __enter__(self):
        self.start_time = time.monotonic()
        self.start_ticks = sum(cpu_ticks(p) for p in self.pids)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        wall = time.monotonic() - self.start_time
        ticks = sum(cpu_ticks(p) for p in self.pids) - self.start_ticks
        self.cpu_percent = 100.0 * ticks / CLK_TCK / wall if wall > 0 else 0.0
        self.peak_kib = max(self.peak_kib, sum(rss_kib(p) for p in self.pids))


# ---------------------------------------------------------------------------------------------
# Phase 1: overhead


def foreign_programs(baseline_ids, agent):
    """Names of the BPF programs loaded since the run began that are not the current agent's:
    another engineer's test or tool, which would tax every column."""
    return sorted({p.get("name", "?") for i, p in agents.bpf_programs().items()
                   if i not in baseline_ids and i not in agent.programs})


def wait_until_quiet(baseline_ids, agent, noise):
    """Waits for foreign BPF programs to go away, up to a budget of `noise["wait_budget"]` s
    for the whole run; if they stay, the sample is taken anyway and counted in `noise`."""
    start = time.monotonic()
    stray = foreign_programs(baseline_ids, agent)
    while stray and time.monotonic() - start < noise["wait_budget"]:
        time.sleep(0.5)
        stray = foreign_programs(baseline_ids, agent)
    noise["wait_budget"] -= time.monotonic() - start
    if stray:
        noise["samples"] += 1
        noise["programs"].update(stray)
        log(f"warning: measuring with {len(stray)} foreign BPF programs loaded "
            f"({', '.join(stray[:5])}...)")


def overhead_round(agent, workloads, samples, resources, baseline_ids, noise):
    agent.start()
    try:
        time.sleep(0.5)  # let start-up work (scanning /proc, loading rules) settle
        if agent.pids():
            resources.setdefault(agent.name, {}).setdefault("idle_rss_kib", []).append(
                sum(rss_kib(p) for p in agent.pids()))
        for name in WORKLOADS:
            wait_until_quiet(baseline_ids, agent, noise)
            with ResourceSampler(agent.pids()) as usage:
                value, _ = workloads.run(name)
            samples.setdefault(name, {}).setdefault(agent.name, []).append(value)
            if agent.pids():
                per = resources.setdefault(agent.name, {}).setdefault(name, {"cpu": [], "rss": []})
                per["cpu"].append(usage.cpu_percent)
                per["rss"].append(usage.peak_kib)
            log(f"  {agent.name:13s} {name:8s} {value:12.1f} {WORKLOADS[name][0]}")
    finally:
        agent.stop()


def summarize_overhead(samples, resources):
    """Medians, and the ratio of cost per operation to the no-agent run (1.25 = 25% slower)."""
    summary = {}
    for name, by_agent in samples.items():
        unit, bigger_better = WORKLOADS[name]
        base = statistics.median(by_agent["none"])
        summary[name] = {"unit": unit, "agents": {}}
        for agent, values in by_agent.items():
            med = statistics.median(values)
            entry = {"samples": values, "median": med,
                     "cost_ratio": base / med if bigger_better else med / base}
            usage = resources.get(agent, {}).get(name)
            if usage:
                entry["cpu_percent"] = statistics.median(usage["cpu"])
                entry["rss_mib"] = statistics.median(usage["rss"]) / 1024
            summary[name]["agents"][agent] = entry
    return summary


# ---------------------------------------------------------------------------------------------
# Phase 2: kernel cost per event


def program_stats(ids):
    progs = agents.bpf_programs()
    return {i: (progs[i].get("run_cnt", 0), progs[i].get("run_time_ns", 0))
            for i in ids if i in progs}


def kernel_time(ids):
    return sum(ns for _, ns in program_stats(ids).values())


def background_rate(ids, seconds):
    """Kernel ns per second the programs `ids` spend while no workload runs."""
    began, start = time.monotonic(), kernel_time(ids)
    time.sleep(seconds)
    return (kernel_time(ids) - start) / (time.monotonic() - began)


def kernel_cost(agent, workloads, idle_s):
    """With bpf_stats on: each program's runs and ns per run over all workloads, and the kernel
    time all of the agent's programs spent per workload operation. Programs run for every
    process on the machine, so the time they take over `idle_s` seconds just before and after
    each workload (the lower of the two rates) is subtracted, scaled to its duration."""
    agent.start()
    try:
        time.sleep(0.5)
        names = {i: p.get("name", "?") for i, p in agents.bpf_programs().items()
                 if i in agent.programs}
        start = program_stats(agent.programs)
        per_op = {}
        for name in WORKLOADS:
            idle_before = background_rate(agent.programs, idle_s)
            began, before = time.monotonic(), kernel_time(agent.programs)
            _, ops = workloads.run(name)
            ns = kernel_time(agent.programs) - before
            seconds = time.monotonic() - began
            # The background comes in bursts: the quieter of the moments before and after.
            background = min(idle_before, background_rate(agent.programs, idle_s))
            per_op[name] = max(0.0, ns - background * seconds) / ops
        end = program_stats(agent.programs)
    finally:
        agent.stop()
    programs = {}
    for i in sorted(end):
        runs, ns = end[i][0] - start[i][0], end[i][1] - start[i][1]
        label = names[i] if list(names.values()).count(names[i]) == 1 else f"{names[i]}#{i}"
        programs[label] = {"runs": runs, "run_time_ns": ns, "ns_per_run": ns / runs if runs else None}
    return {"per_op_ns": per_op, "programs": programs}


class BpfStats:
    """kernel.bpf_stats_enabled=1 for the span, then back to what it was."""
    path = "/proc/sys/kernel/bpf_stats_enabled"

    def __enter__(self):
        with open(self.path) as f:
            self.saved = f.read().strip()
        with open(self.path, "w") as f:
            f.write("1")

    def __exit__(self, *exc):
        with open(self.path, "w") as f:
            f.write(self.saved)


# ---------------------------------------------------------------------------------------------
# Phase 3: vigil's user-space capacity


# Each flood cycle should yield one event of each of these (default profile).
FLOOD_EVENTS = ("create_file", "rename")


def counters(stats):
    """The counters of a stats line that the capacity steps compare."""
    received = stats.get("received") or {}
    drops = stats.get("drops") or {}
    return {"events": stats.get("events", 0),
            "flood_events": sum(received.get(e, 0) for e in FLOOD_EVENTS),
            "lost": stats.get("lost", 0),
            "drops": sum(n for reasons in drops.values() for n in reasons.values()),
            "seq_gap": stats.get("seq_gap", 0),
            "suppressed": stats.get("suppressed", 0)}


def capacity(make_vigil, workload_bin, steps, flood_dir):
    """Each step gets a fresh vigil so that its counters belong to that step alone. The rate
    counts every event received over the flood's duration (the flood's own create_file and
    rename, plus what else the rules ask for, such as open and unlink, plus the little the
    rest of the machine does meanwhile); "captured" checks the flood's own events."""
    results = []
    for rate, workers, cycles, ring in steps:
        # every event to user space: the kernel filter would drop the flood's own events, which
        # no default rule matches, and leave nothing to measure
        vigil = make_vigil(["--no-kernel-filter"] + (["--ring-size", str(ring)] if ring else []))
        vigil.start()
        try:
            before = counters(vigil.last_stats())
            with ResourceSampler(vigil.pids()) as usage:
                achieved, seconds = flood(workload_bin, flood_dir, rate, workers, cycles)
            time.sleep(0.7)  # let vigil drain the ring; it writes final stats on stop
        finally:
            vigil.stop()
        final = vigil.last_stats()
        after = counters(final)
        step = {k: after[k] - before[k] for k in after}
        step.update({"target_cycles_per_s": rate * workers or None, "workers": workers,
                     "ring_size": ring or None,
                     "cycles_per_s": achieved, "events_per_s": step["events"] / seconds,
                     "captured": step["flood_events"] / (len(FLOOD_EVENTS) * cycles * workers),
                     "drops_by_event": final.get("drops") or {},
                     "suppressions": final.get("suppressions") or {},
                     "cpu_percent": usage.cpu_percent, "rss_mib": usage.peak_kib / 1024})
        # seq_gap is records numbered minus received: above 0 after the drain means loss
        # (below 0 only means the kernel's count was read before its last increments).
        step["lossless"] = step["lost"] == 0 and step["drops"] == 0 and step["seq_gap"] <= 0
        log(f"  capacity {rate or 'max'}x{workers}{f' ring {ring}' if ring else ''}: "
            f"{achieved:.0f} cycles/s, "
            f"{step['events_per_s']:.0f} events/s ({100 * step['captured']:.0f}% captured), "
            f"lost {step['lost']}, drops {step['drops']}, suppressed {step['suppressed']}")
        results.append(step)
    lossless = [s["events_per_s"] for s in results if s["lossless"] and not s["ring_size"]]
    return {"steps": results, "max_lossless_events_per_s": max(lossless) if lossless else None}


# ---------------------------------------------------------------------------------------------
# Phase 4: the evidence store


def store_ingest(build, workdir, smoke):
    """bench/store_bench.c: synthetic events through the store sink at rising paced rates, then
    flat out; its JSON (steps, max_lossless_events_per_s, writer_events_per_cpu_s)."""
    db = os.path.join(workdir, "store-bench.db")
    argv = [os.path.join(build, "bench", "store_bench"), db] + (["--smoke"] if smoke else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=1200)
    for line in done.stderr.splitlines():
        log("  " + line)
    if done.returncode:
        raise RuntimeError(f"store_bench failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def store_flood(make_vigil, workload_bin, step, flood_dir, workdir):
    """The same flood step under vigil without and with --store: what keeping everything costs
    the agent (CPU, RSS) and whether it loses anything (ring, or the store's own counters)."""
    db = os.path.join(workdir, "flood-store.db")
    result = {}
    for name, extra in (("without", []), ("with", ["--store", db])):
        for leftover in (db, db + "-wal", db + "-shm", db + "-run"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        vigil = make_vigil(extra)
        steps = capacity(lambda _: vigil, workload_bin, [step], flood_dir)["steps"]
        entry = steps[0]
        sink = ((vigil.last_stats() or {}).get("sinks") or {}).get(f"store:{db}")
        if name == "with":
            entry["store"] = sink
            entry["lossless"] = entry["lossless"] and bool(sink) and sink["lost"] == 0
        result[name] = entry
    return result


# ---------------------------------------------------------------------------------------------
# Phase 5: replay

# name -> vigil replay options besides the recording, the rules and --output
REPLAYS = {
    "alerts": [],                   # the default with rules: only alerts are printed
    "events": ["--events", "all"],  # every event as JSON too
    "store": ["--store", "{db}"],   # alerts as JSON, every event and alert into the store
}

REPLAYED = re.compile(r"replayed (\d+) records .* in ([\d.]+) s: (\d+) events/s, ([\d.]+) CPU s "
                      r"\((\d+) events per CPU second\), (\d+) alerts")


def replay(build, rules_dir, workdir, records, runs):
    """bench/record.py makes a recording, then each of REPLAYS runs `runs` times: the medians of
    its summary (events/s over the wall time, which waits for the store's writer; events per
    CPU-second of the whole process) and, with --store, what the store lost."""
    vigil = os.path.join(build, "vigil")
    recording = os.path.join(workdir, "replay.rec")
    done = subprocess.run([sys.executable, os.path.join(HERE, "record.py"), build, recording,
                           "--records", str(records)], capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"record.py failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    made = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"  recording: {made['records']:,} records, {made['bytes'] / 2**20:.0f} MiB")
    result = {"records": made["records"], "runs": {}}
    db, out = os.path.join(workdir, "replay.db"), os.path.join(workdir, "replay.json")
    for name, extra in REPLAYS.items():
        samples = []
        for _ in range(runs):
            for leftover in (db, db + "-wal", db + "-shm", db + "-run"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
            argv = [vigil, "replay", recording, "--rules", rules_dir, "--output",
                    out if name == "store" else os.devnull] + [a.format(db=db) for a in extra]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            m = REPLAYED.search(done.stderr)
            if done.returncode or not m:
                raise RuntimeError(f"vigil replay failed ({done.returncode}): {done.stderr.strip()[-500:]}")
            sample = {"events_per_s": int(m.group(3)), "cpu_s": float(m.group(4)),
                      "events_per_cpu_s": int(m.group(5)), "alerts": int(m.group(6))}
            if name == "store":
                with open(out) as f:
                    stats = json.loads(f.read().strip().splitlines()[-1])
                sink = (stats.get("sinks") or {}).get(f"store:{db}") or {}
                sample["store_delivered"], sample["store_lost"] = sink.get("delivered"), sink.get("lost")
            samples.append(sample)
        entry = {k: statistics.median(s[k] for s in samples) for k in ("events_per_s", "events_per_cpu_s", "cpu_s")}
        entry["alerts"] = samples[0]["alerts"]
        entry["argv"] = " ".join(["vigil replay REC --rules rules --output",
                                  "FILE" if name == "store" else "/dev/null"] + [a.format(db="DB") for a in extra])
        if name == "store":
            entry["store_delivered"] = samples[0]["store_delivered"]
            lost = [s["store_lost"] for s in samples]
            entry["store_lost"] = None if None in lost else max(lost)
        log(f"  replay {name}: {entry['events_per_s']:,.0f} events/s, "
            f"{entry['events_per_cpu_s']:,.0f} events per CPU-second"
            + (f", store lost {entry['store_lost']}" if name == "store" else ""))
        result["runs"][name] = entry
    return result


# ---------------------------------------------------------------------------------------------


def warnings(noise, samples):
    if not noise["samples"]:
        return []
    total = sum(len(v) for by_agent in samples.values() for v in by_agent.values())
    names = sorted(noise["programs"])
    return [f"{noise['samples']} of {total} overhead samples ran while other BPF programs were "
            f"loaded (another user's tools or tests on this machine): {', '.join(names[:12])}"
            + (f" and {len(names) - 12} more" if len(names) > 12 else "")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", help="build directory holding vigil and bench/workload")
    parser.add_argument("--smoke", action="store_true", help="seconds-long check: vigil (with and without deny "
                        "rules) vs none")
    parser.add_argument("--rounds", type=int, help="override the number of interleaved rounds")
    args = parser.parse_args()
    mode = "smoke" if args.smoke else "full"
    settings = dict(SETTINGS[mode])
    if args.rounds:
        settings["rounds"] = args.rounds
    if os.geteuid() != 0:
        sys.exit("bench: must run as root (BPF, audit, sysctl)")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="vigil-bench-")
    cleanup = [lambda: shutil.rmtree(workdir, ignore_errors=True)]
    try:
        return run(args, mode, settings, workdir, cleanup, started)
    except Interrupted as e:
        log(f"interrupted ({e}); cleaning up")
        return 130
    except (RuntimeError, subprocess.SubprocessError) as e:
        log(f"FAILED: {e}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for undo in reversed(cleanup):
            try:
                undo()
            except Exception as e:  # keep undoing the rest
                log(f"cleanup step failed: {e}")


def run(args, mode, settings, workdir, cleanup, started):
    build = os.path.abspath(args.build)
    workload_bin = os.path.join(build, "bench", "workload")
    vigil_bin = os.path.join(build, "vigil")
    rules_dir = os.path.join(REPO, "rules")
    rules_dir = rules_dir if os.path.isdir(rules_dir) and os.listdir(rules_dir) else None
    ensure_packages(["redis-server", "redis-tools", "nats-server", "rsyslog", "clickhouse-server"])

    def make_vigil(extra=()):
        return agents.Vigil(workdir, vigil_bin, rules_dir, extra)

    # tmpfs: on this VM's ext4 the same storm varies 2x from run to run (journal commits),
    # which would hide the agents' cost.
    files_dir = tempfile.mkdtemp(prefix="vigil-bench-files-", dir="/dev/shm")
    cleanup.append(lambda: shutil.rmtree(files_dir, ignore_errors=True))
    candidates = [make_vigil(), agents.VigilDeny(workdir, vigil_bin, rules_dir, files_dir),
                  agents.VigilTrackers(workdir, vigil_bin, rules_dir), agents.VigilTools(workdir, vigil_bin)]
    if mode == "full":
        candidates += [agents.Bpftrace(workdir), agents.LibbpfTools(workdir), agents.Auditd(workdir)]
        ensure_packages([p for a in candidates for p in a.packages])
    lineup, skipped = [agents.Agent(workdir)], {}
    for agent in candidates:
        reason = agent.missing()
        if reason:
            skipped[agent.name] = reason
            log(f"SKIPPING {agent.name}: {reason}")
        else:
            lineup.append(agent)
    if mode == "smoke" and any(name in skipped for name in ("vigil", "vigil+deny", "vigil+trackers",
                                                            "vigil-tools")):
        log("smoke needs vigil: build it first (make bench-smoke does)")
        return 1

    redis = Redis(workdir)
    cleanup.append(redis.stop)
    # Whatever agent is up when something fails gets stopped; stop() is a no-op when idle.
    for agent in lineup:
        cleanup.append(agent.stop)
    workloads = Workloads(workload_bin, files_dir, settings, redis)
    baseline_ids = set(agents.bpf_programs())
    noise = {"samples": 0, "programs": set(), "wait_budget": 120 if mode == "full" else 0}

    log(f"phase 1: overhead, {settings['rounds']} rounds x {len(lineup)} agents")
    samples, resources = {}, {}
    for r in range(settings["rounds"]):
        order = lineup[r % len(lineup):] + lineup[:r % len(lineup)]
        log(f" round {r + 1}: {' '.join(a.name for a in order)}")
        for agent in order:
            if agent.name in skipped:
                continue
            try:
                overhead_round(agent, workloads, samples, resources, baseline_ids, noise)
            except RuntimeError as e:
                if agent.name in ("none", "vigil", "vigil+trackers", "vigil-tools"):
                    raise
                skipped[agent.name] = f"failed to start: {e}"
                log(f"SKIPPING {agent.name} from now on: {e}")
    lineup = [a for a in lineup if a.name not in skipped]
    overhead = summarize_overhead(samples, resources)

    log("phase 2: kernel cost per event (kernel.bpf_stats_enabled=1)")
    kernel = {}
    bpf_agents = [a for a in lineup
                  if a.name in ("vigil", "vigil+trackers", "vigil-tools", "bpftrace", "libbpf-tools")]
    with BpfStats():
        for agent in bpf_agents:
            kernel[agent.name] = kernel_cost(agent, workloads, settings["idle_s"])
            log(f"  {agent.name}: " + ", ".join(f"{k} {v:.0f} ns/op"
                                                 for k, v in kernel[agent.name]["per_op_ns"].items()))

    cap = None
    if "vigil" not in skipped:
        log("phase 3: vigil capacity (file flood on tmpfs)")
        try:
            # Without the per-executable limit, so that the flood reaches user space.
            cap = capacity(lambda extra: make_vigil(["--rate-limit", "0"] + extra), workload_bin,
                           settings["capacity"], files_dir)
        except RuntimeError as e:  # keep the other phases' figures
            skipped["vigil capacity"] = str(e)
            log(f"capacity failed: {e}")

    store = None
    if "vigil" not in skipped:
        log("phase 4: evidence store (ingest rate, and the flood with --store)")
        try:
            store = {"ingest": store_ingest(build, workdir, mode == "smoke"),
                     "flood": store_flood(lambda extra: make_vigil(["--rate-limit", "0"] + extra),
                                          workload_bin, settings["store_flood"], files_dir, workdir)}
        except RuntimeError as e:
            skipped["vigil store"] = str(e)
            log(f"store phase failed: {e}")
    sink_results = None
    if "vigil" not in skipped:
        log("phase 5: sinks at a paced rate, and collect into ClickHouse and SQLite")
        rate, cycles = settings["sinks"]
        try:
            sink_results = sinks.measure(
                build, lambda extra: make_vigil(["--rate-limit", "0"] + extra),
                lambda d, r, c: flood(workload_bin, d, r, 1, c),
                lambda pids: sum(cpu_ticks(p) for p in pids) / CLK_TCK, rate, cycles, workdir, files_dir)
            skipped.update(sink_results.pop("skipped"))
        except (RuntimeError, AssertionError, OSError, subprocess.SubprocessError) as e:
            skipped["sinks"] = str(e)
            log(f"sinks failed: {e}")

    replayed = None
    if "vigil" not in skipped and rules_dir:
        log("phase 6: vigil replay (a recording through the pipeline, default rules)")
        try:
            replayed = replay(build, rules_dir, workdir, settings["replay_records"], settings["replay_runs"])
        except (RuntimeError, ValueError, OSError) as e:
            skipped["vigil replay"] = str(e)
            log(f"replay phase failed: {e}")

    now = datetime.datetime.now(datetime.timezone.utc)
    results = {
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "mode": mode, "machine": machine_facts(),
        "settings": settings, "agents": [a.name for a in lineup], "skipped": skipped,
        "overhead": overhead,
        "idle_rss_mib": {a: statistics.median(r["idle_rss_kib"]) / 1024
                         for a, r in resources.items() if "idle_rss_kib" in r},
        "kernel_cost": kernel, "capacity": cap, "store": store, "sinks": sink_results, "replay": replayed,
        "warnings": warnings(noise, samples),
        "duration_s": round(time.monotonic() - started, 1),
    }
    table = report.markdown(results)
    print(table)
    if mode == "smoke":
        path = os.path.join(build, "bench", "smoke.json")
        with open(path, "w") as f:
            json.dump(results, f, indent=1)
        problems = report.missing_numbers(results)
        for p in problems:
            log(f"smoke: no number for {p}")
        log(f"smoke: {'FAILED' if problems else 'ok'} ({results['duration_s']} s), {path}")
        return 1 if problems else 0
    history = os.path.join(HERE, "results")
    os.makedirs(history, exist_ok=True)
    dated = os.path.join(history, now.strftime("%Y-%m-%dT%H%M%SZ") + ".json")
    for path in (dated, os.path.join(history, "latest.json")):
        with open(path, "w") as f:
            json.dump(results, f, indent=1)
    with open(os.path.join(REPO, "docs", "benchmarks.md"), "w") as f:
        f.write(table)
    log(f"wrote docs/benchmarks.md, {os.path.relpath(dated, REPO)} and bench/results/latest.json "
        f"in {results['duration_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

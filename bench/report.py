"""Turns a bench result (the dict bench.py saves as JSON) into docs/benchmarks.md, and lists the
measurements a smoke run failed to produce."""

import math


def number(value, digits=0):
    if value is None:
        return "–"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} M"
    return f"{value:,.{digits}f}"


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def worst_ratio(results):
    """{agent: (ratio, workload)}: the largest cost ratio of each agent other than none."""
    worst = {}
    for workload, entry in results["overhead"].items():
        for agent, m in entry["agents"].items():
            if agent != "none" and (agent not in worst or m["cost_ratio"] > worst[agent][0]):
                worst[agent] = (m["cost_ratio"], workload)
    return worst


def overhead_table(results):
    agents = results["agents"]
    lines = ["| workload | " + " | ".join(agents) + " |",
             "|---|" + "---|" * len(agents)]
    for workload, entry in results["overhead"].items():
        cells = []
        for agent in agents:
            m = entry["agents"].get(agent)
            if m is None:
                cells.append("–")
            elif agent == "none":
                spread = (max(m["samples"]) - min(m["samples"])) / 2 / m["median"]
                cells.append(f"{number(m['median'], 1 if workload == 'getppid' else 0)} "
                             f"(±{100 * spread:.0f}%)")
            else:
                cells.append(f"{number(m['median'], 1 if workload == 'getppid' else 0)} "
                             f"(**{m['cost_ratio']:.2f}×**)")
        lines.append(f"| {workload} ({entry['unit']}) | " + " | ".join(cells) + " |")
    getppid = results["overhead"].get("getppid", {}).get("agents", {})
    if "none" in getppid:
        base = getppid["none"]["median"]
        lines.append("| syscall tax (ns added per getppid) | – | " + " | ".join(
            f"{getppid[a]['median'] - base:+.1f}" if a in getppid else "–" for a in agents[1:]) + " |")
    return lines


def budget_table(results):
    """vigil's figures next to the budgets of DESIGN.md §5."""
    overhead = results["overhead"]
    tax = None
    if "vigil" in overhead.get("getppid", {}).get("agents", {}):
        g = overhead["getppid"]["agents"]
        tax = g["vigil"]["median"] - g["none"]["median"]
    exec_ns = (results.get("kernel_cost") or {}).get("vigil", {}).get("per_op_ns", {}).get("exec")
    idle = results.get("idle_rss_mib", {}).get("vigil")
    default_ring = [s for s in (results.get("capacity") or {"steps": []})["steps"]
                    if not s["ring_size"]]
    lossless = [s for s in default_ring if s["lossless"]]
    best = max(lossless, key=lambda s: s["events_per_s"]) if lossless else None
    per_core = best["events_per_s"] / (best["cpu_percent"] / 100) \
        if best and best["cpu_percent"] > 0 else None

    def verdict(ok):
        return "–" if ok is None else ("within" if ok else "**over**")

    rows = [
        ("syscall tax, default profile (getppid)", "≤ 15 ns",
         f"{tax:+.1f} ns" if tax is not None else "–", verdict(None if tax is None else tax <= 15)),
        ("kernel time per exec (all vigil programs, fork + exec + exit)", "≤ 3 µs",
         f"{exec_ns / 1000:.1f} µs" if exec_ns is not None else "–",
         verdict(None if exec_ns is None else exec_ns <= 3000)),
        # The flood cannot offer 1 M events/s on this machine, so this is a lower bound on what
        # one core of vigil could carry, not a verdict.
        ("user-space pipeline", "≥ 1 M events/s on one core",
         f"{number(best['events_per_s'])} events/s received lossless using {best['cpu_percent']:.0f}% "
         f"of a core (≈ {number(per_core)} events per CPU-second)" if per_core else "–", "–"),
        ("loss below the rated rate", "zero, counted by type and reason",
         f"{len(lossless)} of {len(default_ring)} flood steps with the default ring lossless",
         verdict(len(lossless) == len(default_ring) if default_ring else None)),
        ("idle RSS", "≤ 50 MB", f"{idle:.1f} MiB" if idle is not None else "–",
         verdict(None if idle is None else idle * 1.048576 <= 50)),
    ]
    ingest = (results.get("store") or {}).get("ingest")
    if ingest:
        rate = ingest["max_lossless_events_per_s"]
        rows.append(("store ingest, lossless (bench/store_bench.c)", "≥ 200 k events/s",
                     f"{number(rate)} events/s (writer: ≈ {number(ingest['writer_events_per_cpu_s'])} "
                     "events per CPU-second)", verdict(rate >= 200_000 if rate else None)))
    replayed = (results.get("replay") or {}).get("runs") or {}
    if "alerts" in replayed:
        r = replayed["alerts"]
        rows.append(("vigil replay, default rules, JSON", "≥ 1 M events/s on one core",
                     f"{number(r['events_per_cpu_s'])} events per CPU-second "
                     f"({number(r['events_per_s'])} events/s on this shared machine)",
                     verdict(r["events_per_cpu_s"] >= 1_000_000)))
    if "store" in replayed:
        r = replayed["store"]
        rows.append(("vigil replay, default rules, --store", "≥ 300 k events/s, nothing lost",
                     f"{number(r['events_per_s'])} events/s, store lost {number(r['store_lost'])}",
                     verdict(r["events_per_s"] >= 300_000 and r["store_lost"] == 0)))
    lines = ["| budget | limit | measured | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return lines


def replay_table(results):
    replayed = results.get("replay")
    if not replayed:
        return ["(not measured: see Skipped above)"]
    lines = [f"A recording of {number(replayed['records'])} records (`bench/record.py`: `vigil run "
             "--record` beside bench/workload's exec, file and connect floods and ordinary shell "
             "activity) through `vigil replay` with the default rules: decode, process table, rules, "
             "sinks, as fast as one thread goes (the store's writer is a second). Events/s is over the "
             "wall time until every sink caught up; events per CPU-second counts the whole "
             "process's CPU. Medians of the runs.", "",
             "| replay | command | events/s | events per CPU-second | alerts | store lost |",
             "|---|---|---|---|---|---|"]
    for name, r in replayed["runs"].items():
        lines.append(f"| {name} | `{r['argv']}` | {number(r['events_per_s'])} | "
                     f"{number(r['events_per_cpu_s'])} | {r['alerts']} | "
                     f"{number(r['store_lost']) if name == 'store' else '–'} |")
    return lines


def resource_table(results):
    agents = [a for a in results["agents"] if a != "none"]
    lines = ["| workload | " + " | ".join(agents) + " |", "|---|" + "---|" * len(agents)]
    idle = results.get("idle_rss_mib", {})
    lines.append("| idle (RSS only) | " + " | ".join(
        f"{idle[a]:.1f} MiB" if a in idle else "–" for a in agents) + " |")
    for workload, entry in results["overhead"].items():
        cells = []
        for agent in agents:
            m = entry["agents"].get(agent, {})
            cells.append(f"{m['cpu_percent']:.0f}% / {m['rss_mib']:.1f} MiB"
                         if "cpu_percent" in m else "–")
        lines.append(f"| {workload} | " + " | ".join(cells) + " |")
    return lines


def kernel_tables(results):
    kernel = results.get("kernel_cost") or {}
    if not kernel:
        return ["(no BPF agent ran)"]
    agents = list(kernel)
    workloads = list(results["overhead"])
    lines = ["Kernel time of all the agent's BPF programs per workload operation (ns):", "",
             "| workload | " + " | ".join(agents) + " |", "|---|" + "---|" * len(agents)]
    for w in workloads:
        lines.append(f"| {w} | " + " | ".join(
            number(kernel[a]["per_op_ns"].get(w)) for a in agents) + " |")
    for agent in agents:
        lines += ["", f"{agent} programs over all workloads:", "",
                  "| program | runs | ns per run |", "|---|---|---|"]
        for name, p in sorted(kernel[agent]["programs"].items(), key=lambda kv: -kv[1]["runs"]):
            lines.append(f"| {name} | {p['runs']:,} | {number(p['ns_per_run'])} |")
    return lines


def capacity_table(results):
    cap = results.get("capacity")
    if not cap:
        return ["(not measured: see Skipped above)"]
    lines = ["| flood | file cycles/s | events/s received | flood events captured | events | lost | "
             "drops | seq gaps | suppressed | vigil CPU% | vigil RSS |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in cap["steps"]:
        target = f"paced {s['target_cycles_per_s']:,}/s" if s["target_cycles_per_s"] else "flat out"
        if s["ring_size"]:
            target += f", ring {s['ring_size'] // 1024} KiB"
        lines.append(f"| {target}, {s['workers']} worker(s) | {number(s['cycles_per_s'])} | "
                     f"{number(s['events_per_s'])} | {100 * s['captured']:.1f}% | {s['events']:,} | "
                     f"{s['lost']:,} | {s['drops']:,} | {s['seq_gap']:,} | {s['suppressed']:,} | "
                     f"{s['cpu_percent']:.0f}% | "
                     f"{s['rss_mib']:.1f} MiB |")
    rated = cap["max_lossless_events_per_s"]
    lines += ["", f"Highest event rate received with zero loss (default ring): **{number(rated)} "
              "events/s**." if rated else "No step with the default ring was free of loss."]
    default_ring = [s for s in cap["steps"] if not s["ring_size"]]
    if default_ring and all(s["lossless"] for s in default_ring):
        lines.append("No step with the default ring lost anything: the flood, not vigil, is the "
                     "limit here.")
    suppressing = [s for s in cap["steps"] if s["suppressed"]]
    if suppressing:
        lines.append("Suppressions are drops vigil makes on purpose (rate limits, breakers, "
                     "allowlists) and counts apart from loss; at the last step by event and reason: "
                     f"`{suppressing[-1]['suppressions']}`.")
    for s in cap["steps"]:
        if not s["lossless"]:
            where = f"with a {s['ring_size'] // 1024} KiB ring" if s["ring_size"] else "above it"
            lines.append(f"Loss {where} ({number(s['cycles_per_s'])} cycles/s): the counters say "
                         f"lost {s['lost']:,}, seq gap {s['seq_gap']:,}, by event and reason "
                         f"`{s['drops_by_event']}`; {100 * s['captured']:.1f}% of the flood's "
                         "events arrived.")
    return lines


def store_tables(results):
    store = results.get("store")
    if not store:
        return ["(not measured: see Skipped above)"]
    ingest = store["ingest"]
    lines = ["Synthetic decoded events (a busy host's mix: file cycles of create, open, rename, "
             "unlink; fork, exec, exit; connects) through the real `store` sink, paced at rising "
             "rates then flat out, with a flush every 20 ms as the agent's loop does "
             "(`build/bench/store_bench DB`). A step is lossless when nothing was lost and the "
             "writer drained its backlog within 0.5 s of its end. Agent ns/event is what the store "
             "costs the agent's thread (making the events excluded); writer ns/event is the writer "
             "thread's CPU per committed event.", "",
             "| offered | events/s | lost | drained in | agent ns/event | writer ns/event | writer CPU% | lossless |",
             "|---|---|---|---|---|---|---|---|"]
    for s in ingest["steps"]:
        target = f"paced {number(s['target_events_per_s'])}/s" if s["target_events_per_s"] else "flat out"
        lines.append(f"| {target} | {number(s['events_per_s'])} | {s['lost']:,} | {s['drain_s']:.2f} s | "
                     f"{s['agent_ns_per_event']:.0f} | {s['writer_ns_per_event']:.0f} | "
                     f"{s['writer_cpu_percent']:.0f}% | {'yes' if s['lossless'] else 'no'} |")
    lines += ["", f"Highest lossless rate: **{number(ingest['max_lossless_events_per_s'])} events/s**; "
              f"the writer's CPU time per event puts one core of it at "
              f"≈ {number(ingest['writer_events_per_cpu_s'])} events/s.", "",
              "The flat-out file flood of the capacity phase, under vigil without and with "
              "`--store` (everything kept):", "",
              "| vigil | events/s received | lost | vigil CPU% | vigil RSS | store delivered | store lost |",
              "|---|---|---|---|---|---|---|"]
    for name in ("without", "with"):
        s = store["flood"][name]
        sink = s.get("store") or {}
        lines.append(f"| {name} --store | {number(s['events_per_s'])} | {s['lost']:,} | "
                     f"{s['cpu_percent']:.0f}% | {s['rss_mib']:.1f} MiB | "
                     f"{number(sink.get('delivered')) if sink else '–'} | "
                     f"{number(sink.get('lost')) if sink else '–'} |")
    return lines


def sinks_table(results):
    sk = results.get("sinks")
    if not sk:
        return ["(not measured: see Skipped above)"]
    lines = [f"Each sink in a fresh vigil under a file flood paced at {sk['rate_cycles_per_s']:,} cycles/s "
             f"({2 * sk['rate_cycles_per_s']:,} create_file and rename events/s), {sk['cycles']:,} cycles, "
             "every event printed (to the JSON file all runs write, and to the sink); extra CPU is the run's "
             "CPU minus the baseline's CPU per received event times the events this run received, per "
             "record the sink was handed. Delivered and lost are the sink's own counters after its "
             "drain.", "",
             "| sink | records | delivered | lost | vigil CPU% | extra CPU% | µs per record |",
             "|---|---|---|---|---|---|---|"]
    for e in sk["sinks"]:
        extra = e.get("extra_cpu_percent")
        us = e.get("us_per_record")
        lines.append(f"| {e['sink']} | {e['records']:,} | {e['delivered']:,} | {e['lost']:,} | "
                     f"{e['cpu_percent']:.0f}% | {'–' if extra is None else f'{extra:+.0f}%'} | "
                     f"{'–' if us is None else f'{us:.1f}'} |")
    c = sk.get("collect")
    if c:
        ratio = c["uncompressed"] / c["bytes_on_disk"] if c["bytes_on_disk"] else None
        lines += ["", f"`vigil collect` into ClickHouse: **{number(c['records_per_s'])} records/s** "
                  f"({c['records']:,} records in {c['seconds']:.1f} s, batches of 1000); on disk "
                  f"{c['bytes_on_disk'] / max(c['rows'], 1):.0f} bytes per event row"
                  + (f", {ratio:.1f}× compressed" if ratio else "") + "."]
    c = sk.get("collect_store")
    if c:
        lines += ["", f"`vigil collect` into the SQLite evidence store: **{number(c['records_per_s'])} records/s** "
                  f"({c['records']:,} records in {c['seconds']:.1f} s); "
                  f"{c['bytes'] / max(c['records'], 1):.0f} bytes per record in the file."]
    return lines


def markdown(results):
    m = results["machine"]
    s = results["settings"]
    lines = [
        "# vigil benchmarks", "",
        f"Written by `make bench` (bench/run.sh) on {results['date']} in {results['duration_s']} s. "
        "History: `bench/results/*.json`. `make bench-smoke` is the seconds-long check run by "
        "the tests (vigil with and without deny rules, with the trackers, and vigil-tools, against no "
        "agent, tiny counts, no peers).", "",
        f"- kernel: {m['kernel']}",
        f"- CPU: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB",
        f"- machine: {m['machine']}", "",
        "## Method", "",
        f"Each workload ran under each agent in {s['rounds']} interleaved rounds (the order rotates "
        "every round, and every round has a run without any agent); the figures are medians. "
        "The ratio in bold is the cost per operation relative to no agent: 1.00× costs nothing, "
        "1.25× means each operation took 25% longer (for rates: none ÷ agent; for getppid: "
        "agent ÷ none).", "",
        f"- getppid: {s['getppid']:,} raw getppid() calls in a loop (`bench/workload getppid`);",
        f"- exec: {s['exec']:,} fork + exec of /bin/true;",
        f"- files: {s['files']:,} cycles of create, write 64 bytes, rename, unlink in a temp dir "
        "on tmpfs (/dev/shm: on this VM's ext4 the same storm varies 2× between runs);",
        f"- connect: {s['connect']:,} loopback TCP connect + accept + close;",
        f"- redis: redis-benchmark -c 20 -t set,get -n {s['redis']:,} against redis-server on "
        "127.0.0.1 (harmonic mean of the two rates).", "",
        "Agents: vigil as `make run` deploys it, `run --profile default --rules rules` (every event "
        "decoded, enriched and evaluated; alerts written to a file); vigil+deny, the same plus "
        "two deny rules that no workload trips but that put every exec on the root filesystem "
        "(FAN_OPEN_EXEC_PERM) and every open on the files workload's tmpfs (FAN_OPEN_PERM) on "
        "the fanotify permission path (`bench/agents.py` VigilDeny): its exec and files columns "
        "against vigil's are what deny rules cost; vigil+trackers, vigil plus `--trackers` "
        "(per-container counters on every syscall, a metrics snapshot every second): its columns "
        "against vigil's are what the trackers cost when on, and vigil's own what they cost when off "
        "(no tracker program loads without the option: no `vg_track_*` program under vigil in the "
        "kernel cost table); vigil-tools, `vigil top` and "
        "every `vigil trace` tool at once (`vigil trace --list`), each writing JSON to a file: the "
        "worst case of an operator leaving them all running, with each tool's programs in the "
        "kernel cost table; bpftrace running "
        "`bench/peers/peer.bt` (exec, file create, rename, connect, bind); libbpf-tools execsnoop + "
        "opensnoop + tcpstates (tcpconnect and bindsnoop need kprobes, absent on this kernel); "
        "auditd with `bench/peers/audit.rules` on the same syscalls. Every agent writes its events "
        "to a file (vigil: its alerts and stats).", "",
    ]
    if results["skipped"]:
        lines += ["Skipped: " + "; ".join(f"{a} ({r})" for a, r in results["skipped"].items()), ""]
    lines += ["## Budgets (DESIGN.md §5)", ""] + budget_table(results)
    lines += ["", "## Overhead", "",
              "The none column shows the spread of its own runs (half of max − min over the "
              "median): ratios closer to 1 than that are noise.", ""] + overhead_table(results)
    worst = worst_ratio(results)
    if worst:
        lines += ["", "Worst ratio per agent: " + ", ".join(
            f"{a} {r:.2f}× ({w})" for a, (r, w) in worst.items()) + "."]
    lines += ["", "## Agent CPU% and peak RSS during each workload", "",
              "CPU% is user + system time of the agent's processes over the workload's wall time "
              "(100% = one core; auditd includes the kauditd kernel thread). Kernel time spent in "
              "BPF programs is charged to the traced process, not the agent: see below.", ""]
    lines += resource_table(results)
    lines += ["", "## Kernel cost per event", "",
              "Measured in a separate run of each workload with `kernel.bpf_stats_enabled=1` "
              "(restored afterwards), from run_time_ns / run_cnt of `bpftool prog show` for the "
              "programs the agent holds open. Programs run for every process on the machine: the "
              "per-operation figures subtract the time they took while idle (the quieter of a "
              "moment just before and just after), scaled to the workload's duration; exec is a whole fork + exec + exit of "
              "/bin/true. The stats add a little time of their own.", ""]
    lines += kernel_tables(results)
    lines += ["", "## vigil user-space capacity", "",
              "A file flood (create, write, rename, unlink on tmpfs: a create_file and a rename "
              "event per cycle) paced at rising rates, then flat out with one and two workers, "
              "under `vigil run --profile default --rules rules --rate-limit 0 --no-kernel-filter` "
              "(the default in-kernel limit, 5000 events/s per executable and event type, would "
              "otherwise suppress most of a one-binary flood, and the rules' kernel filter the "
              "flood's events, which no default rule matches); the last step shrinks the ring buffer to "
              "force loss. A fresh vigil per step; its `\"kind\":\"stats\"` "
              "counters are read before and after. Events/s counts every event received over "
              "the flood's duration (with the rules loaded the kernel also sends open and "
              "unlink, and the rest of the machine adds a little); flood events captured is the "
              "share of the create_file and rename events (one each per cycle) that arrived. "
              "Lost, drops and seq gaps are loss; a negative seq gap only means the kernel's "
              "count was read before its last increments.", ""]
    lines += capacity_table(results)
    lines += ["", "## Evidence store", ""] + store_tables(results)
    lines += ["", "## Sinks and the collector", ""] + sinks_table(results)
    lines += ["", "## Replay", ""] + replay_table(results)
    if results["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in results["warnings"]]
    return "\n".join(lines) + "\n"


def missing_numbers(results):
    """Every measurement a smoke run must produce that has no finite number."""
    problems = []
    for workload, entry in results["overhead"].items():
        for agent in results["agents"]:
            m = entry["agents"].get(agent, {})
            needed = ["median", "cost_ratio"] + (["cpu_percent", "rss_mib"] if agent != "none" else [])
            problems += [f"{workload}/{agent}/{k}" for k in needed if not is_number(m.get(k))]
    for agent, k in (results.get("kernel_cost") or {}).items():
        problems += [f"kernel/{agent}/{w}" for w, v in k["per_op_ns"].items() if not is_number(v)]
        if not any(p["runs"] for p in k["programs"].values()):
            problems.append(f"kernel/{agent}: no program ran")
    if "vigil" in results["agents"]:
        if "vigil" not in (results.get("kernel_cost") or {}):
            problems.append("kernel/vigil")
        cap = results.get("capacity") or {"steps": []}
        if not cap["steps"]:
            problems.append("capacity")
        for s in cap["steps"]:
            for k in ("cycles_per_s", "events_per_s", "captured", "lost", "drops", "seq_gap",
                      "cpu_percent"):
                if not is_number(s.get(k)):
                    problems.append(f"capacity/{k}")
        store = results.get("store")
        if not store:
            problems.append("store")
        else:
            for s in store["ingest"]["steps"]:
                for k in ("events_per_s", "agent_ns_per_event", "writer_ns_per_event", "lost"):
                    if not is_number(s.get(k)):
                        problems.append(f"store/ingest/{k}")
            if not store["flood"]["with"].get("store"):
                problems.append("store/flood: no store counters in the stats line")
        sk = results.get("sinks")
        if not sk:
            problems.append("sinks")
        else:
            for e in sk["sinks"]:
                keys = ["cpu_percent"] + (["us_per_record"] if "us_per_record" in e else [])
                problems += [f"sinks/{e['sink']}/{k}" for k in keys if not is_number(e.get(k))]
            if not sk.get("collect") or not is_number(sk["collect"].get("records_per_s")):
                problems.append("collect")
            if not sk.get("collect_store") or not is_number(sk["collect_store"].get("records_per_s")):
                problems.append("collect_store")
        runs = (results.get("replay") or {}).get("runs") or {}
        for name in ("alerts", "events", "store"):
            for k in ("events_per_s", "events_per_cpu_s") + (("store_lost",) if name == "store" else ()):
                if not is_number((runs.get(name) or {}).get(k)):
                    problems.append(f"replay/{name}/{k}")
    return problems

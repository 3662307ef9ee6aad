"""Phase 4 of the benchmark: what each sink costs, and how fast `vigil collect` stores.

Each sink runs in a fresh vigil under the same paced file flood (a rate the sensor carries
without loss), next to a run with only the JSON file every run writes: a sink's cost is its
run's CPU minus what the baseline spent per event received times the events this run
received (the rest of the machine adds events of its own, differently in every run), per
record the sink was handed; its delivered/lost counters after the drain say whether it
kept up. The receivers are the real ones the tests use
(tests/e2e/servers.py): rsyslogd, a loopback HTTP receiver, nats-server, clickhouse-server.
Then `vigil collect` stores what the NATS run published into ClickHouse, and again into
the SQLite evidence store (`--store`), each timed from its first message to its last commit.
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "e2e"))


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def _sink_counters(stats, prefix):
    for spec, c in (stats or {}).get("sinks", {}).items():
        if spec.startswith(prefix):
            return c
    return None


def _drain(vigil, prefix, timeout=60):
    """Waits until the sink has nothing queued (stats lines every half second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = _sink_counters(vigil.last_stats(), prefix)
        if c is None or c["queued"] == 0:
            return
        time.sleep(0.25)


def measure(build, make_vigil, flood, cpu_seconds, rate, cycles, workdir, flood_dir):
    """{"rate_events_per_s", "sinks": [...], "collect": {...}, "collect_store": {...}, "skipped": {...}}"""
    os.environ.setdefault("VIGIL_BUILD", os.path.relpath(build, os.path.dirname(HERE)))
    import servers  # the tests' server helpers: real servers on loopback

    scene = servers.Scene("vigil-bench-sinks-")
    out = {"rate_cycles_per_s": rate, "cycles": cycles, "sinks": [], "collect": None, "collect_store": None,
           "skipped": {}}
    try:
        rs = scene.server(servers.Rsyslog(scene.base))
        rx = servers.Receiver()
        scene.undo.append(rx.stop)
        nats = scene.server(servers.Nats(scene.base))
        ch = scene.server(servers.ClickHouse(scene.base))
        spool = scene.path("spool")
        runs = [
            ("JSON file (every run; baseline)", None, []),
            ("file: rotating at 16 MiB, gzip", "file:", ["file:%s;max_size=16M;keep=3" % scene.path("rot.json")]),
            ("syslog over UDP (rsyslog)", "syslog://", ["syslog://127.0.0.1:%d;spool=%s-u" % (rs.udp, spool)]),
            ("syslog over TCP (rsyslog)", "syslog://",
             ["syslog://127.0.0.1:%d;proto=tcp;spool=%s-t" % (rs.tcp, spool)]),
            ("webhook (HTTP, batches of 500)", "http", ["%s;spool=%s-w" % (rx.url, spool)]),
            ("NATS JetStream", "nats", ["%s;spool=%s-n" % (nats.url, spool)]),
        ]
        base_per_event = None
        for name, prefix, sinks in runs:
            extra = ["--events", "create_file,rename", "--host-id", "bench" + str(len(out["sinks"]))]
            for s in sinks:
                extra += ["--sink", s]
            for exe in servers.SERVER_EXES:
                extra += ["--allow-exe", exe]
            vigil = make_vigil(extra)
            vigil.start()
            try:
                before = vigil.last_stats()
                cpu0 = cpu_seconds(vigil.pids())
                achieved, seconds = flood(flood_dir, rate, cycles)
                if prefix:
                    _drain(vigil, prefix)
                cpu = cpu_seconds(vigil.pids()) - cpu0
            finally:
                vigil.stop()
            final = vigil.last_stats()
            events = final.get("events", 0) - (before or {}).get("events", 0)
            entry = {"sink": name, "cycles_per_s": achieved, "events": events, "cpu_s": cpu,
                     "cpu_percent": 100 * cpu / seconds if seconds else None}
            if prefix is None:  # CPU per event received: other activity on the machine varies by run
                base_per_event = cpu / max(events, 1)
            c = _sink_counters(final, prefix or "json:") or {}
            entry.update({"records": c.get("accepted", 0), "delivered": c.get("delivered", 0),
                          "lost": c.get("lost", 0), "queued": c.get("queued", 0)})
            if prefix:
                extra = cpu - base_per_event * events
                entry["extra_cpu_percent"] = 100 * extra / seconds if seconds else None
                entry["us_per_record"] = 1e6 * max(0.0, extra) / entry["records"] if entry["records"] else None
            log(f"  sink {name}: {entry['records']:,} records, {entry.get('delivered', 0):,} delivered, "
                f"lost {entry.get('lost', 0)}, CPU {entry['cpu_percent']:.0f}%"
                + (f" (+{entry['extra_cpu_percent']:.0f}%, {entry['us_per_record']:.1f} µs/record)"
                   if prefix and entry.get("us_per_record") is not None else ""))
            out["sinks"].append(entry)

        # collect: everything the NATS run published, into ClickHouse
        done = subprocess.run([os.path.join(build, "vigil"), "collect", "--nats", nats.url, "--clickhouse",
                               ch.url, "--idle", "1", "--durable", "bench"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"collect failed: {done.stderr[-500:]}")
        stats = json.loads(done.stdout.splitlines()[-1])
        busy = max(stats["busy_s"], 1e-3)  # first message to last commit
        rows = int(ch.query("SELECT count() FROM vigil.events") or 0)
        size = ch.rows("SELECT sum(bytes_on_disk), sum(data_uncompressed_bytes) FROM system.parts "
                       "WHERE database = 'vigil' AND active")
        out["collect"] = {"store": "ClickHouse", "records": stats["stored"], "seconds": busy,
                          "records_per_s": stats["stored"] / busy, "rows": rows,
                          "bytes_on_disk": int(size[0][0] or 0), "uncompressed": int(size[0][1] or 0)}
        log(f"  collect into ClickHouse: {stats['stored']:,} records in {busy:.1f} s "
            f"({out['collect']['records_per_s']:,.0f}/s)")
        # and the same records into the SQLite evidence store (a small fleet's)
        db = scene.path("fleet.db")
        done = subprocess.run([os.path.join(build, "vigil"), "collect", "--nats", nats.url, "--store", db,
                               "--idle", "1", "--durable", "bench-store"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"collect --store failed: {done.stderr[-500:]}")
        stats = json.loads(done.stdout.splitlines()[-1])
        busy = max(stats["busy_s"], 1e-3)
        size = sum(os.path.getsize(db + ext) for ext in ("", "-wal") if os.path.exists(db + ext))
        out["collect_store"] = {"store": "SQLite", "records": stats["stored"], "seconds": busy,
                                "records_per_s": stats["stored"] / busy, "bytes": size}
        log(f"  collect into SQLite: {stats['stored']:,} records in {busy:.1f} s "
            f"({out['collect_store']['records_per_s']:,.0f}/s)")
    finally:
        scene.__exit__(None, None, None)
    return out

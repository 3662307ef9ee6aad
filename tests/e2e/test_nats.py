"""NATS JetStream sink and the spool under it, against real nats-server processes on
loopback: nothing accepted is lost or duplicated while the broker is down, the spool cap's
loss is counted exactly and is the oldest records, an agent killed with -9 while the
broker is down delivers its spool after a restart, and (long runs, VIGIL_FLEET_LONG=1 or
`make fleet-test`) a 3-node cluster loses a node mid-stream and a broker is stopped for
30 s under load. Every record is checked by its record_id (host_id:boot_id:seq): the
sequence of each host must come out whole, each number once.

The stream itself is read back with `vigil collect --output` (JSON lines, no dedup of its
own), so a duplicate in the stream would show."""
import os
import subprocess
import threading
import time
import uuid

from servers import (ClickHouse, Nats, Scene, by_host, closing_line, collect_jsonl, free_port, make_files,
                     nats_agent, nats_cluster, sink_stats, stats_lines, wait_drained, wait_until)
from vigiltest import VIGIL, Skip, check, marker

LONG = os.environ.get("VIGIL_FLEET_LONG") == "1"


def host_id():
    return "e2e" + uuid.uuid4().hex[:12]


def assert_whole(records, hid, last):
    """Host hid's records are exactly seqs 1..last, each once."""
    seqs = sorted(by_host(records).get(hid, []))
    dups = len(seqs) - len(set(seqs))
    check(dups == 0, "%d duplicates for %s" % (dups, hid))
    missing = sorted(set(range(1, last + 1)) - set(seqs))
    check(not missing, "%d of %d missing for %s, first %s" % (len(missing), last, hid, missing[:10]))
    check(seqs[-1] == last, "records beyond %d for %s: %s" % (last, hid, seqs[-5:]))


def marker_events(records, hid, mark):
    return [r for r in records if r["record_id"].startswith(hid + ":") and r.get("kind") == "event"
            and mark in (r.get("file") or {}).get("path", "")]


def test_broker_outage_loses_nothing_duplicates_nothing():
    with Scene("vigil-e2e-nats-") as sc:
        srv = sc.server(Nats(sc.base))
        hid, mark = host_id(), marker()
        work = sc.path("work")
        os.mkdir(work)
        agent = sc.agent(nats_agent(hid, srv.url, sc.path("spool")))
        created = []
        t = threading.Thread(target=lambda: created.extend(make_files(work, mark, 2400, rate=400)))
        t.start()
        try:
            time.sleep(1.5)
            srv.stop()  # the broker goes away under load...
            wait_until(lambda: stats_lines(agent) and not sink_stats(stats_lines(agent)[-1], "nats")["connected"],
                       10, what="the agent to see the broker down")
            time.sleep(2)
            down = sink_stats(stats_lines(agent)[-1], "nats")
            check(down["queued"] > 0 and down["spool"]["oldest_age_s"] > 0.5,
                  "nothing spooled while the broker was down: %s" % down)
            srv.start()  # ...and comes back on the same port with the same store
        finally:
            t.join()
        wait_drained(agent, "nats", timeout=60)
        agent.stop()
        closed = closing_line(agent, "nats:")
        check(closed["lost"] == 0 and closed["spooled"] == 0, "after the drain: %s" % closed)
        records = collect_jsonl(srv.url, sc.path("out.jsonl"))
        assert_whole(records, hid, closed["delivered"])
        got = marker_events(records, hid, mark)
        check(len(got) == len(created) == 2400, "marker events: %d of %d" % (len(got), len(created)))


def test_spool_cap_counts_its_loss_exactly():
    """With the broker down, a 256 KiB spool overflows: the oldest records go, the count says
    exactly how many, and the rest arrives whole once the broker is there."""
    with Scene("vigil-e2e-nats-") as sc:
        srv = sc.server(Nats(sc.base), start=False)  # nothing listens on its port yet
        hid, mark = host_id(), marker()
        work = sc.path("work")
        os.mkdir(work)
        opts = ("spool_max=256K", "spool_segment=16K")
        agent = sc.agent(nats_agent(hid, srv.url, sc.path("spool"), *opts))
        make_files(work, mark, 1500)
        agent.wait_for(lambda e: mark + "-1499" in e.get("file", {}).get("path", ""), timeout=15)
        agent.stop()
        first = closing_line(agent, "nats:")
        check(first["delivered"] == 0, "delivered with no broker: %s" % first)
        check(first["lost"] > 0, "the cap did not evict: %s" % first)
        accepted = first["lost"] + first["spooled"]

        srv.start()
        again = sc.agent(nats_agent(hid, srv.url, sc.path("spool"), *opts))
        check("records from an earlier run to send" in again.stderr, "no resume: " + again.stderr[-500:])
        wait_drained(again, "nats", timeout=60)
        again.stop()
        second = closing_line(again, "nats:")
        check(second["lost"] == 0 and second["spooled"] == 0, "second run: %s" % second)
        records = collect_jsonl(srv.url, sc.path("out.jsonl"))
        seqs = sorted(by_host(records)[hid])
        check(len(seqs) == len(set(seqs)), "duplicates")
        last = seqs[-1]
        missing = sorted(set(range(1, last + 1)) - set(seqs))
        # exactly the counted loss, and the oldest records: 1..lost
        check(len(missing) == first["lost"], "missing %d, counted %d" % (len(missing), first["lost"]))
        check(missing == list(range(1, first["lost"] + 1)), "not the oldest: %s..." % missing[:5])
        expected = accepted + second["delivered"] - first["spooled"]
        check(last == expected, "sequence %d, expected %d" % (last, expected))


def test_kill9_while_broker_down_then_restart_delivers_the_spool():
    with Scene("vigil-e2e-nats-") as sc:
        srv = sc.server(Nats(sc.base), start=False)
        hid, mark = host_id(), marker()
        work = sc.path("work")
        os.mkdir(work)
        agent = sc.agent(nats_agent(hid, srv.url, sc.path("spool")))
        make_files(work, mark, 300)
        agent.wait_for(lambda e: mark + "-299" in e.get("file", {}).get("path", ""), timeout=15)
        time.sleep(0.3)  # a few loop turns: the batch is committed to the spool
        agent.proc.kill()  # kill -9: no final stats, no close, no drain
        agent.proc.wait()
        agent.stop()
        again = sc.agent(nats_agent(hid, srv.url, sc.path("spool")))
        check("records from an earlier run to send" in again.stderr, "no resume: " + again.stderr[-500:])
        srv.start()
        wait_drained(again, "nats", timeout=60)
        again.stop()
        closed = closing_line(again, "nats:")
        check(closed["lost"] == 0 and closed["spooled"] == 0, "after the restart: %s" % closed)
        records = collect_jsonl(srv.url, sc.path("out.jsonl"))
        assert_whole(records, hid, max(by_host(records)[hid]))
        got = marker_events(records, hid, mark)
        check(len(got) == 300, "marker events: %d of 300" % len(got))


def test_long_broker_stopped_30s_under_load():
    if not LONG:
        raise Skip("a long run; VIGIL_FLEET_LONG=1 runs it (make fleet-test)")
    with Scene("vigil-e2e-nats-") as sc:
        srv = sc.server(Nats(sc.base))
        hid, mark = host_id(), marker()
        work = sc.path("work")
        os.mkdir(work)
        agent = sc.agent(nats_agent(hid, srv.url, sc.path("spool")))
        created = []
        t = threading.Thread(target=lambda: created.extend(make_files(work, mark, 20000, rate=500)))
        t.start()
        try:
            time.sleep(3)
            srv.stop()
            time.sleep(30)
            down = sink_stats(stats_lines(agent)[-1], "nats")
            check(not down["connected"] and down["spool"]["oldest_age_s"] > 25, "during the outage: %s" % down)
            srv.start()
        finally:
            t.join()
        wait_drained(agent, "nats", timeout=120)
        agent.stop()
        closed = closing_line(agent, "nats:")
        check(closed["lost"] == 0 and closed["spooled"] == 0, "after the drain: %s" % closed)
        records = collect_jsonl(srv.url, sc.path("out.jsonl"), timeout=300)
        assert_whole(records, hid, closed["delivered"])
        check(len(marker_events(records, hid, mark)) == 20000, "marker events missing")


def test_long_cluster_node_killed_mid_stream():
    """Three agents, a 3-node cluster with the stream on 3 replicas, a collector writing to
    ClickHouse all along; one node is killed with -9 mid-stream. Every host's records are in
    ClickHouse exactly once (FINAL), whole from 1 to its last sequence number."""
    if not LONG:
        raise Skip("a long run; VIGIL_FLEET_LONG=1 runs it (make fleet-test)")
    with Scene("vigil-e2e-cluster-") as sc:
        hosts = [host_id() for _ in range(3)]
        mark = marker()
        work = sc.path("work")
        os.mkdir(work)
        # agents first: the servers then start under them, and the in-kernel allowlist
        # (decided at exec) keeps the servers' own files out of the stream
        ports, cports = [free_port() for _ in range(3)], [free_port() for _ in range(3)]
        urls = "nats://" + ",".join("127.0.0.1:%d" % p for p in ports)
        agents = [sc.agent(nats_agent(h, urls, sc.path("spool-" + h), "replicas=3")) for h in hosts]
        nodes = nats_cluster(sc.base, ports=ports, cluster_ports=cports)
        sc.undo += [n.stop for n in nodes]
        ch = sc.server(ClickHouse(sc.base))
        collector = sc.process(subprocess.Popen(
            [VIGIL, "collect", "--nats", urls, "--clickhouse", ch.url, "--replicas", "3", "--idle", "8"],
            stdout=open(sc.path("collect.out"), "w"), stderr=open(sc.path("collect.err"), "w")))
        t = threading.Thread(target=make_files, args=(work, mark, 6000, 400))
        t.start()
        try:
            time.sleep(5)
            nodes[0].kill()  # mid-stream; agents and the collector move to the other two
        finally:
            t.join()
        for a in agents:
            wait_drained(a, "nats", timeout=120)
        for a in agents:
            a.stop()
        closed = {h: closing_line(a, "nats:") for h, a in zip(hosts, agents)}
        collector.wait(timeout=300)
        for h in hosts:
            check(closed[h]["lost"] == 0 and closed[h]["spooled"] == 0, "%s: %s" % (h, closed[h]))
            n = closed[h]["delivered"]
            rows = ch.rows("SELECT count(), uniqExact(seq), min(seq), max(seq) FROM "
                           "(SELECT seq FROM vigil.events FINAL WHERE host_id = '%s' UNION ALL "
                           "SELECT seq FROM vigil.stats FINAL WHERE host_id = '%s')" % (h, h))
            count, uniq, lo, hi = (int(x) for x in rows[0])
            check((count, uniq, lo, hi) == (n, n, 1, n), "%s: count %d uniq %d seqs %d..%d, expected %d"
                  % (h, count, uniq, lo, hi, n))
            got = int(ch.query("SELECT count() FROM vigil.events FINAL WHERE host_id = '%s' AND "
                               "position(raw, '%s') > 0" % (h, mark)))
            check(got == 6000, "%s: %d of 6000 marker events" % (h, got))

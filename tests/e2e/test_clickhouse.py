"""`vigil collect --clickhouse`: two agents with their own host ids publish to a real
nats-server; the collector writes both into a real clickhouse-server (Debian's 18.16,
started with its own config in a temp dir): every record once per host (FINAL), whole
sequences, alerts in their table, partitions by day; a second consumer reading the whole
stream again inserts every record twice and the ReplacingMergeTree key still counts each
once; (long runs) ClickHouse killed under the collector loses nothing."""
import datetime
import json
import os
import subprocess
import time
import uuid

from servers import ClickHouse, Nats, Scene, closing_line, make_files, nats_agent, wait_drained, wait_until
from test_sinks import write_rule
from vigiltest import VIGIL, Skip, check, marker


def collect(nats_url, ch, durable):
    done = subprocess.run([VIGIL, "collect", "--nats", nats_url, "--clickhouse", ch.url + "/?database=fleet",
                           "--idle", "2", "--durable", durable], capture_output=True, text=True, timeout=120)
    check(done.returncode == 0, "collect: %s" % done.stderr[-2000:])
    return done


def per_host(ch, host, final=True):
    """count, distinct seqs, min and max seq of host over the three tables."""
    f = " FINAL" if final else ""
    rows = ch.rows("SELECT count(), uniqExact(seq), min(seq), max(seq) FROM (%s)" % " UNION ALL ".join(
        "SELECT seq FROM fleet.%s%s WHERE host_id = '%s'" % (t, f, host) for t in ("events", "alerts", "stats")))
    return tuple(int(x) for x in rows[0])


def test_two_hosts_into_clickhouse_once_each():
    with Scene("vigil-e2e-ch-") as sc:
        srv = sc.server(Nats(sc.base))
        ch = sc.server(ClickHouse(sc.base))
        mark = marker()
        hosts = ["e2e" + uuid.uuid4().hex[:12] for _ in range(2)]
        agents = [sc.agent(nats_agent(h, srv.url, sc.path("spool-" + h))) for h in hosts]
        make_files(sc.base, mark, 200)
        for a in agents:
            a.wait_for(lambda e: mark + "-199" in e.get("file", {}).get("path", ""), timeout=15)
            wait_drained(a, "nats", timeout=30)
        for a in agents:
            a.stop()
        closed = {h: closing_line(a, "nats:") for h, a in zip(hosts, agents)}
        collect(srv.url, ch, "ch-one")
        for h in hosts:
            n = closed[h]["delivered"]
            check(closed[h]["lost"] == 0 and closed[h]["spooled"] == 0, "%s: %s" % (h, closed[h]))
            check(per_host(ch, h) == (n, n, 1, n), "%s: %s, expected %d whole" % (h, per_host(ch, h), n))
            got = int(ch.query("SELECT count() FROM fleet.events FINAL WHERE host_id = '%s' AND event = 'create_file'"
                               " AND position(raw, '%s') > 0" % (h, mark)))
            check(got == 200, "%s: %d of 200 marker events" % (h, got))
        day = datetime.datetime.utcnow().strftime("%Y%m%d")
        parts = ch.rows("SELECT DISTINCT partition FROM system.parts WHERE database = 'fleet' AND table = 'events'"
                        " AND active")
        check([day] in parts or [str(int(day) - 1)] in parts, "partitions %s" % parts)

        # a second durable consumer gets the whole stream again and inserts every record a
        # second time; the dedup key keeps one row each (merges may already have dropped some)
        again = json.loads(collect(srv.url, ch, "ch-two").stdout.splitlines()[-1])
        total = sum(c["delivered"] for c in closed.values())
        check(again["stored"] >= total, "the second consumer stored %d of %d" % (again["stored"], total))
        for h in hosts:
            n = closed[h]["delivered"]
            check(per_host(ch, h, final=False)[0] >= n, "%s: rows went missing" % h)
            check(per_host(ch, h) == (n, n, 1, n), "%s: the dedup key did not hold: %s" % (h, per_host(ch, h)))
        ch.query("OPTIMIZE TABLE fleet.events FINAL")
        merged = int(ch.query("SELECT count() FROM fleet.events WHERE host_id = '%s'" % hosts[0]))
        final = int(ch.query("SELECT count() FROM fleet.events FINAL WHERE host_id = '%s'" % hosts[0]))
        check(merged == final, "a merge kept duplicates: %d rows, %d distinct" % (merged, final))


def test_long_alerts_table_and_a_clickhouse_crash():
    """Alerts land in their table with rule and priority; while ClickHouse is down nothing is
    acked, and the collector's retries store everything once it is back."""
    if os.environ.get("VIGIL_FLEET_LONG") != "1":
        raise Skip("a long run; VIGIL_FLEET_LONG=1 runs it (make fleet-test)")
    with Scene("vigil-e2e-ch-") as sc:
        srv = sc.server(Nats(sc.base))
        ch = sc.server(ClickHouse(sc.base))
        mark = marker()
        h = "e2e" + uuid.uuid4().hex[:12]
        agent = nats_agent(h, srv.url, sc.path("spool"))
        agent.args += ["--rules", write_rule(sc.base, mark)]
        sc.agent(agent)
        collector = sc.process(subprocess.Popen(
            [VIGIL, "collect", "--nats", srv.url, "--clickhouse", ch.url + "/?database=fleet", "--idle", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        wait_until(lambda: int(ch.query("SELECT count() FROM system.tables WHERE database = 'fleet'")) == 3, 20,
                   what="the collector to create its tables")
        ch.kill()  # a crash, under an open connection of the collector's
        make_files(sc.base, mark, 50)
        agent.wait_for(lambda e: mark + "-49" in e.get("file", {}).get("path", ""), timeout=15)
        wait_drained(agent, "nats", timeout=30)
        time.sleep(2)  # the collector fetched them and cannot insert
        ch.start()
        agent.stop()
        out, err = collector.communicate(timeout=120)
        check("ClickHouse at" in err, "no insert failure seen: %s" % err[-1000:])
        n = closing_line(agent, "nats:")["delivered"]
        got = per_host(ch, h)
        check(got[1] == n and got[3] == n, "%s: %s, expected %d" % (h, got, n))
        alerts = ch.rows("SELECT rule, priority, count() FROM fleet.alerts FINAL WHERE host_id = '%s' GROUP BY rule, "
                         "priority" % h)
        check(alerts and alerts[0][:2] == ["Fleet test marker file", "warning"], "alerts: %s" % alerts)

"""`vigil collect --store`: two agents with their own host ids stream to a real nats-server
(JetStream); the collector writes both into one SQLite evidence store. Every record is
there exactly once per host (its sequence whole, 1..delivered), a second consumer reading
the whole stream again stores nothing twice (every record a counted duplicate), and the
store's queries work per host. A workload on "host A" connects over loopback TCP to a
listener that "host B" alerts on: A's client and B's server are one incident, whose attack
path has a `lateral` edge from the client on A to the server on B.

Both agents see the whole machine; which process belongs to which "host" is decided by
their rules (A's alerts on the client, B's on the server) and by the host id the store keys
every row by."""
import json
import os
import sqlite3
import subprocess
import sys
import uuid

from servers import Nats, Scene, closing_line, free_port, make_files, nats_agent, wait_drained
from vigiltest import VIGIL, check, marker

RULES = {
    "client": """- rule: Fleet lateral client %(mark)s
  desc: the test's client connected to the test's listener
  condition: evt.type = connect and net.dport = %(port)d and proc.cmdline contains "%(mark)s-client"
  output: client %%proc.name connected to %%net.dip:%%net.dport
  priority: WARNING
  tags: [lateral_movement]
""",
    "server": """- rule: Fleet lateral server %(mark)s
  desc: the test's listener accepted a connection
  condition: evt.type = accept and net.sport = %(port)d and proc.cmdline contains "%(mark)s-server"
  output: server %%proc.name accepted %%net.dip:%%net.dport
  priority: WARNING
  tags: [lateral_movement]
""",
}

SERVER = """import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("ready", flush=True)
c, _ = s.accept(); c.recv(16); c.close(); s.close()
"""

CLIENT = """import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); c.sendall(b"hello"); c.close()
"""


def collect(url, db, durable):
    done = subprocess.run([VIGIL, "collect", "--nats", url, "--store", db, "--idle", "2", "--durable", durable],
                          capture_output=True, text=True, timeout=180)
    check(done.returncode == 0, "collect failed (%d): %s" % (done.returncode, done.stderr[-2000:]))
    final = [json.loads(l) for l in done.stdout.splitlines() if '"final":true' in l]
    check(final, "no final collect_stats line: %s" % done.stdout[-1000:])
    return final[-1]


def per_host(db, host_id):
    """count, distinct, min and max of the record sequence numbers stored for host_id."""
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM collected"
                         " WHERE host IN (SELECT id FROM hosts WHERE host_id = ?)", (host_id,)).fetchone()


def vigil_json(*args):
    done = subprocess.run([VIGIL] + list(args), capture_output=True, text=True, timeout=60)
    check(done.returncode == 0, "vigil %s: %s" % (" ".join(args), done.stderr[-1500:]))
    return json.loads(done.stdout)


def test_two_hosts_into_one_store_once_each_with_a_lateral_incident():
    with Scene("vigil-e2e-cstore-") as sc:
        srv = sc.server(Nats(sc.base))
        mark, port = marker(), free_port()
        hosts = {"client": "e2ea" + uuid.uuid4().hex[:10], "server": "e2eb" + uuid.uuid4().hex[:10]}
        agents = {}
        for role, hid in hosts.items():
            rules = sc.path("%s.yaml" % role)
            with open(rules, "w") as f:
                f.write(RULES[role] % {"mark": mark, "port": port})
            agent = nats_agent(hid, srv.url, sc.path("spool-" + hid), events="create_file,connect,accept")
            agent.args += ["--rules", rules]
            agents[role] = sc.agent(agent)
        server = sc.process(subprocess.Popen([sys.executable, "-c", SERVER, str(port), mark + "-server"],
                                             stdout=subprocess.PIPE, text=True))
        check(server.stdout.readline().strip() == "ready", "the listener did not start")
        subprocess.run([sys.executable, "-c", CLIENT, str(port), mark + "-client"], check=True, timeout=30)
        server.wait(timeout=30)
        make_files(sc.base, mark, 100)
        for role, a in agents.items():
            a.wait_for(lambda e: mark + "-99" in e.get("file", {}).get("path", ""), timeout=15)
            a.alerts("Fleet lateral %s %s" % (role, mark), timeout=10)
            wait_drained(a, "nats", timeout=30)
        for a in agents.values():
            a.stop()
        closed = {hid: closing_line(agents[role], "nats:") for role, hid in hosts.items()}

        db = sc.path("fleet.db")
        first = collect(srv.url, db, "cs-one")
        total = sum(c["delivered"] for c in closed.values())
        check(first["writer"]["records"] == total and first["writer"]["duplicates"] == 0,
              "first collect: %s, expected %d records" % (first, total))
        for hid, c in closed.items():
            n = c["delivered"]
            check(c["lost"] == 0 and c["spooled"] == 0, "%s: %s" % (hid, c))
            check(per_host(db, hid) == (n, n, 1, n), "%s: %s, expected %d whole" % (hid, per_host(db, hid), n))
            got = vigil_json("query", "--store", db, "--format", "json", "--limit", "1000000", "events", "--event",
                             "create_file", "--host", hid)["events"]
            mine = [e for e in got if mark in e["file"]["path"] and e["host"] == hid]
            check(len(mine) == 100, "%s: %d of 100 marker events" % (hid, len(mine)))

        # the whole stream again, through another consumer: every record a duplicate
        again = collect(srv.url, db, "cs-two")
        check(again["writer"]["duplicates"] == total, "second collect: %s, expected %d duplicates" % (again, total))
        for hid, c in closed.items():
            n = c["delivered"]
            check(per_host(db, hid) == (n, n, 1, n), "after a second read %s: %s" % (hid, per_host(db, hid)))

        # one incident holds both hosts' alerts, and its path crosses from A's client to B's server
        rules = {"Fleet lateral client " + mark, "Fleet lateral server " + mark}
        incs = [i for i in vigil_json("incidents", "--store", db, "--format", "json", "--all")
                if rules & {a["rule"] for a in i["alerts"]}]
        check(len(incs) == 1, "incidents with the test's alerts: %s" % [(i["id"], [a["rule"] for a in i["alerts"]])
                                                                        for i in incs])
        inc = incs[0]
        check(rules <= {a["rule"] for a in inc["alerts"]}, "one incident without both alerts: %s" % inc["alerts"])
        check(set(hosts.values()) <= set(inc["hosts"]), "incident hosts %s" % inc["hosts"])
        shown = vigil_json("show", "--store", db, "--format", "json", str(inc["id"]))
        graph = shown["graph"]
        nodes = {n["id"]: n for n in graph["nodes"]}
        lateral = [(nodes[e["from"]], nodes[e["to"]]) for e in graph["edges"] if e["kind"] == "lateral"]
        check(any(a.get("host") == hosts["client"] and mark + "-client" in json.dumps(a.get("argv"))
                  and b.get("host") == hosts["server"] and mark + "-server" in json.dumps(b.get("argv"))
                  for a, b in lateral),
              "no lateral edge from the client on A to the server on B: %s" %
              [(a.get("host"), a.get("label"), b.get("host"), b.get("label")) for a, b in lateral])
        # the drawn path says where each step ran and draws the crossing
        dot = subprocess.run([VIGIL, "show", "--store", db, "--format", "dot", str(inc["id"])],
                             capture_output=True, text=True, check=True).stdout
        check(all("on " + h in dot for h in hosts.values()) and "lateral" in dot,
              "the DOT drawing lacks the hosts or the lateral edge")
        # the store's queries by host: the incident is each host's, and no other's
        for hid in hosts.values():
            mine = [i["id"] for i in vigil_json("incidents", "--store", db, "--format", "json", "--all", "--host", hid)]
            check(inc["id"] in mine, "incident %d not among %s's: %s" % (inc["id"], hid, mine))
        check(vigil_json("incidents", "--store", db, "--format", "json", "--all", "--host", "e2e-no-such-host") == [],
              "incidents of a host that sent nothing")

/* test_lateral.c — one connection's two ends on two hosts (incident/lateral.h): the
 * 5-tuple match (mirrored ends, direction, proto, other host, IPv4-mapped addresses), the
 * server's end an SSH_CONNECTION names, the time window of the peer search, and what it
 * is for on a real (temporary) store: host A's client alert and host B's server alert are
 * one incident, whose attack path has a lateral edge from A's client to B's server; ends
 * that do not match stay two incidents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "incident/graph.h"
#include "incident/incident.h"
#include "incident/lateral.h"
#include "rules/rules.h"
#include "store/internal.h"

#define T0 1800000000000000000ull
#define SEC 1000000000ull

static struct vg_conn_end end(int64_t host, bool accepted, const char *sip, int sport, const char *dip, int dport)
{
	struct vg_conn_end e = { .host = host, .accepted = accepted, .sport = sport, .dport = dport };

	snprintf(e.proto, sizeof(e.proto), "tcp");
	snprintf(e.sip, sizeof(e.sip), "%s", sip);
	snprintf(e.dip, sizeof(e.dip), "%s", dip);
	return e;
}

static void test_mirrored_ends_match(void **state)
{
	/* A connects from 10.0.0.1:40000 to 10.0.0.2:22; B accepted on 10.0.0.2:22 from 10.0.0.1:40000 */
	struct vg_conn_end a = end(1, false, "10.0.0.1", 40000, "10.0.0.2", 22);
	struct vg_conn_end b = end(2, true, "10.0.0.2", 22, "10.0.0.1", 40000);
	struct vg_conn_end x;

	assert_true(vg_conn_ends_match(&a, &b));
	assert_true(vg_conn_ends_match(&b, &a));
	x = b, x.host = 1; /* one host sees both ends of its own loopback connections */
	assert_false(vg_conn_ends_match(&a, &x));
	x = b, x.accepted = false; /* two clients */
	assert_false(vg_conn_ends_match(&a, &x));
	x = b, snprintf(x.proto, sizeof(x.proto), "udp");
	assert_false(vg_conn_ends_match(&a, &x));
	x = b, x.dport = 40001; /* another client port: another connection */
	assert_false(vg_conn_ends_match(&a, &x));
	x = b, x.sport = 2222;
	assert_false(vg_conn_ends_match(&a, &x));
	x = b, snprintf(x.dip, sizeof(x.dip), "10.0.0.3"); /* from another client (or through a NAT) */
	assert_false(vg_conn_ends_match(&a, &x));
	x = b, snprintf(x.sip, sizeof(x.sip), "::ffff:10.0.0.2"); /* a dual-stack listener */
	snprintf(x.dip, sizeof(x.dip), "::ffff:10.0.0.1");
	assert_true(vg_conn_ends_match(&a, &x));
	x = b, x.dport = 0, a.sport = 0; /* an unknown port matches nothing */
	assert_false(vg_conn_ends_match(&a, &x));
}

static void test_ssh_connection_is_the_servers_end(void **state)
{
	struct vg_conn_end e, a = end(1, false, "192.168.1.5", 51234, "192.168.1.9", 22);

	assert_true(vg_conn_end_from_ssh("192.168.1.5 51234 192.168.1.9 22", 2, &e));
	assert_true(e.accepted);
	assert_int_equal(e.host, 2);
	assert_string_equal(e.sip, "192.168.1.9");
	assert_int_equal(e.sport, 22);
	assert_string_equal(e.dip, "192.168.1.5");
	assert_int_equal(e.dport, 51234);
	assert_true(vg_conn_ends_match(&a, &e));
	assert_false(vg_conn_end_from_ssh("", 2, &e));
	assert_false(vg_conn_end_from_ssh("192.168.1.5 51234 192.168.1.9", 2, &e));
	assert_false(vg_conn_end_from_ssh("192.168.1.5 51234 192.168.1.9 22 extra", 2, &e));
	assert_false(vg_conn_end_from_ssh("192.168.1.5 0 192.168.1.9 22", 2, &e));
	assert_false(vg_conn_end_from_ssh("192.168.1.5 51234 192.168.1.9 70000", 2, &e));
}

/* ---- on a store ------------------------------------------------------------------ */

static char dir[64];

static struct vg_store *fresh(void)
{
	char path[128], err[256];
	struct vg_store *st;

	snprintf(dir, sizeof(dir), "/tmp/vigil-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.db", dir);
	st = vg_store_open(path, VG_STORE_WRITE, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(vg_store_exec(st, "INSERT INTO hosts(id, name, boot_id, host_id) VALUES"
					   " (1, 'web', 'b1', 'id-web'), (2, 'db', 'b2', 'id-db')"),
			 0);
	return st;
}

static void done(struct vg_store *st)
{
	char cmd[128];

	vg_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int64_t proc(struct vg_store *st, int64_t host, const char *exec_id, const char *argv)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO procs(host, exec_id, kind, pid, tree, ancestry, argv, exec_time,"
				     " started, comm, exe, user, cwd) VALUES(?1, ?2, 'exec', 100, ?2, '[]', ?3, ?4, ?4,"
				     " 'x', '/bin/x', 'root', '/') RETURNING id");
	int64_t id = 0;

	sqlite3_bind_int64(s, 1, host);
	vg_bind_text(s, 2, exec_id);
	vg_bind_text(s, 3, argv);
	sqlite3_bind_int64(s, 4, (int64_t)T0);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	assert_true(id > 0);
	return id;
}

/* A connect or accept event of proc on host with its flow; returns the event's id. */
static int64_t conn_event(struct vg_store *st, int64_t host, int64_t proc, uint64_t ts, const char *type,
			  const char *sip, int sport, const char *dip, int dport)
{
	static int64_t seq;
	sqlite3_stmt *f = vg_sql(st, "INSERT INTO flows(host, proto, sip, sport, dip, dport, first, last, count)"
				     " VALUES(?1, 'tcp', ?2, ?3, ?4, ?5, ?6, ?6, 1) ON CONFLICT(host, proto, sip, sport, dip, dport)"
				     " DO UPDATE SET last = excluded.last, count = count + 1 RETURNING id");
	sqlite3_stmt *e = vg_sql(st, "INSERT INTO events(host, cpu, seq, ts, type, proc, flow, ret, fields)"
				     " VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, 0, '{}')");
	int64_t flow = 0;

	sqlite3_bind_int64(f, 1, host);
	sqlite3_bind_text(f, 2, sip, -1, SQLITE_STATIC);
	sqlite3_bind_int(f, 3, sport);
	sqlite3_bind_text(f, 4, dip, -1, SQLITE_STATIC);
	sqlite3_bind_int(f, 5, dport);
	sqlite3_bind_int64(f, 6, (int64_t)ts);
	if (sqlite3_step(f) == SQLITE_ROW)
		flow = sqlite3_column_int64(f, 0);
	sqlite3_reset(f);
	assert_true(flow > 0);
	sqlite3_bind_int64(e, 1, host);
	sqlite3_bind_int64(e, 2, ++seq);
	sqlite3_bind_int64(e, 3, (int64_t)ts);
	sqlite3_bind_text(e, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(e, 5, proc);
	sqlite3_bind_int64(e, 6, flow);
	assert_int_equal(sqlite3_step(e), SQLITE_DONE);
	sqlite3_reset(e);
	return sqlite3_last_insert_rowid(vg_store_db(st));
}

static int64_t alert(struct vg_store *st, int64_t host, const char *rule, int64_t proc, int64_t evidence, uint64_t ts)
{
	int64_t incident = 0, row = 0;
	struct vg_alert_in a = {
		.host = host, .ts = ts, .rule = rule, .output = rule, .tags_json = "[]", .priority = VG_PRIO_WARNING,
		.proc = proc, .evidence = &evidence, .nevidence = 1,
	};

	assert_int_equal(vg_incident_file(st, &a, &incident, &row), 0);
	return incident;
}

struct found {
	int64_t procs[8];
	int n;
};

static int collect_peer(int64_t proc, int64_t event, void *ctx)
{
	struct found *f = ctx;

	f->procs[f->n++] = proc;
	return 0;
}

static void test_peers_within_the_skew_only(void **state)
{
	struct vg_store *st = fresh();
	int64_t client = proc(st, 1, "1-10", "[\"curl\"]"), near = proc(st, 2, "1-20", "[\"srv\"]"),
		late = proc(st, 2, "1-30", "[\"srv\"]"), local = proc(st, 1, "1-40", "[\"srv\"]");
	int64_t ev = conn_event(st, 1, client, T0, "connect", "10.0.0.1", 40000, "10.0.0.2", 8080);
	struct vg_conn_end e;
	struct found f = { .n = 0 };
	uint64_t ts;

	conn_event(st, 2, near, T0 + SEC, "accept", "10.0.0.2", 8080, "10.0.0.1", 40000);
	conn_event(st, 2, late, T0 + 10 * SEC, "accept", "10.0.0.2", 8080, "10.0.0.1", 40000); /* port reused later */
	conn_event(st, 1, local, T0, "accept", "10.0.0.2", 8080, "10.0.0.1", 40000); /* A's own view */
	assert_true(vg_conn_end_of_event(st, ev, &e, &ts));
	assert_int_equal(ts, T0);
	assert_int_equal(vg_lateral_peers(st, &e, ts - VG_LATERAL_SKEW_NS, ts + VG_LATERAL_SKEW_NS, collect_peer, &f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.procs[0], near);
	done(st);
}

static void test_client_and_server_alerts_are_one_incident_across_hosts(void **state)
{
	struct vg_store *st = fresh();
	int64_t client = proc(st, 1, "1-10", "[\"ssh\"]"), server = proc(st, 2, "1-20", "[\"srv\"]");
	int64_t c = conn_event(st, 1, client, T0, "connect", "10.0.0.1", 40000, "10.0.0.2", 8080);
	int64_t a = conn_event(st, 2, server, T0 + SEC / 2, "accept", "10.0.0.2", 8080, "10.0.0.1", 40000);
	int64_t other = proc(st, 2, "1-30", "[\"srv2\"]");
	int64_t o = conn_event(st, 2, other, T0, "accept", "10.0.0.2", 8080, "10.0.0.1", 40001);
	int64_t i1, i2, i3;
	struct vg_incident inc;
	struct vg_graph g;
	bool lateral = false;

	/* the server's alert first: the client's incident does not exist yet, and then joins it */
	i1 = alert(st, 2, "server", server, a, T0 + SEC);
	i2 = alert(st, 1, "client", client, c, T0 + 2 * SEC);
	assert_int_equal(i1, i2);
	/* an accept from another client port is another connection */
	i3 = alert(st, 2, "other", other, o, T0 + 3 * SEC);
	assert_int_not_equal(i3, i1);
	assert_int_equal(vg_incident_load(st, i1, &inc), 0);
	assert_int_equal(inc.nhosts, 2);
	assert_int_equal(vg_graph_build(st, &inc, &g), 0);
	for (int i = 0; i < g.nedges; i++)
		if (g.edges[i].kind == VG_EDGE_LATERAL) {
			assert_int_equal(g.nodes[g.edges[i].from].row, client);
			assert_int_equal(g.nodes[g.edges[i].to].row, server);
			assert_string_equal(g.nodes[g.edges[i].from].host, "web");
			assert_string_equal(g.nodes[g.edges[i].to].host, "db");
			lateral = true;
		}
	assert_true(lateral);
	vg_graph_free(&g);
	vg_incident_free(&inc);
	done(st);
}

static void test_ssh_session_joins_the_clients_incident(void **state)
{
	struct vg_store *st = fresh();
	int64_t client = proc(st, 1, "1-10", "[\"ssh\",\"db\"]"), shell = proc(st, 2, "1-20", "[\"bash\"]");
	int64_t c = conn_event(st, 1, client, T0, "connect", "10.0.0.1", 40000, "10.0.0.2", 22);
	int64_t i1, i2;

	assert_int_equal(vg_store_exec(st, "UPDATE procs SET ssh = '10.0.0.1 40000 10.0.0.2 22' WHERE exec_id = '1-20'"), 0);
	i1 = alert(st, 1, "client", client, c, T0 + SEC);
	/* the session's alert comes minutes later: the ssh connection is older than the skew */
	i2 = alert(st, 2, "session", shell, conn_event(st, 2, shell, T0 + 300 * SEC, "connect", "10.0.0.2", 50000,
							"10.0.0.9", 443), T0 + 300 * SEC);
	assert_int_equal(i1, i2);
	done(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mirrored_ends_match),
		cmocka_unit_test(test_ssh_connection_is_the_servers_end),
		cmocka_unit_test(test_peers_within_the_skew_only),
		cmocka_unit_test(test_client_and_server_alerts_are_one_incident_across_hosts),
		cmocka_unit_test(test_ssh_session_joins_the_clients_incident),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

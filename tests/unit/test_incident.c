/* test_incident.c — filing alerts into incidents on a real (temporary) store: scopes
 * (session, container), links (alerting ancestor, written-then-run file), the window,
 * coalescing with bounded evidence, tactics and score; and the attack-path graph's
 * collapsing of repeated siblings and the endpoints they reach. */
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
#include "incident/tactics.h"
#include "rules/rules.h"
#include "store/internal.h"

#define T0 1800000000000000000ull
#define SEC 1000000000ull

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
	assert_int_equal(vg_store_exec(st, "INSERT INTO hosts(id, name, boot_id, host_id) VALUES(1, 'h', 'b', 'h')"), 0);
	return st;
}

static void done(struct vg_store *st)
{
	char cmd[128];

	vg_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A process row; container may be NULL, ancestry and argv JSON arrays. */
static int64_t proc(struct vg_store *st, const char *exec_id, const char *session, const char *container,
		    const char *ancestry, const char *argv, int64_t exe_file)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO procs(host, exec_id, kind, pid, session, tree, container, ancestry,"
				     " argv, exe_file, exec_time, started, comm, exe, user, cwd)"
				     " VALUES(1, ?1, 'exec', 100, ?2, ?1, ?3, ?4, ?5, ?6, ?7, ?7, 'x', '/bin/x', 'root', '/')"
				     " RETURNING id");
	int64_t id = 0;

	vg_bind_text(s, 1, exec_id);
	vg_bind_text(s, 2, session);
	vg_bind_text(s, 3, container);
	vg_bind_text(s, 4, ancestry ? ancestry : "[]");
	vg_bind_text(s, 5, argv ? argv : "[\"x\"]");
	if (exe_file)
		sqlite3_bind_int64(s, 6, exe_file);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int64(s, 7, (int64_t)T0);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	assert_true(id > 0);
	return id;
}

static int64_t event(struct vg_store *st, int64_t proc, uint64_t ts, const char *type, int64_t file, int64_t flow,
		     bool wrote)
{
	static int64_t seq;
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO events(host, cpu, seq, ts, type, proc, file, flow, wrote, fields)"
				     " VALUES(1, 0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, '{}')");

	sqlite3_bind_int64(s, 1, ++seq);
	sqlite3_bind_int64(s, 2, (int64_t)ts);
	sqlite3_bind_text(s, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, proc);
	file ? sqlite3_bind_int64(s, 5, file) : sqlite3_bind_null(s, 5);
	flow ? sqlite3_bind_int64(s, 6, flow) : sqlite3_bind_null(s, 6);
	sqlite3_bind_int(s, 7, wrote);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_reset(s);
	return sqlite3_last_insert_rowid(vg_store_db(st));
}

static int64_t file(struct vg_store *st, const char *path)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO files(host, path, first) VALUES(1, ?1, 0) RETURNING id");
	sqlite3_stmt *n = vg_sql(st, "INSERT INTO file_names(file, host, path, first) VALUES(?1, 1, ?2, 0)");
	int64_t id = 0;

	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_bind_int64(n, 1, id);
	sqlite3_bind_text(n, 2, path, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(n), SQLITE_DONE);
	sqlite3_reset(n);
	return id;
}

/* Files an alert of rule on proc at ts with one evidence event; returns its incident. */
static int64_t alert(struct vg_store *st, const char *rule, int priority, const char *tag, int64_t proc, uint64_t ts)
{
	const char *tags[] = { tag };
	int64_t ev = event(st, proc, ts, "exec", 0, 0, false), incident = 0, row = 0;
	struct vg_alert_in a = {
		.host = 1, .ts = ts, .rule = rule, .output = rule, .tags_json = "[]",
		.tactics = vg_tactic_mask(tags, 1), .priority = priority, .proc = proc,
		.evidence = &ev, .nevidence = 1,
	};

	assert_int_equal(vg_incident_file(st, &a, &incident, &row), 0);
	assert_true(incident > 0 && row > 0);
	return incident;
}

static int count_incidents(struct vg_store *st)
{
	return (int)vg_store_int(st, "SELECT count(*) FROM incidents", -1);
}

static void test_same_session_is_one_incident_with_coalesced_alerts(void **state)
{
	struct vg_store *st = fresh();
	int64_t a = proc(st, "1-10", "S1", NULL, NULL, NULL, 0), b = proc(st, "2-11", "S1", NULL, NULL, NULL, 0);
	int64_t i1 = alert(st, "Reverse shell", VG_PRIO_CRITICAL, "mitre_execution", a, T0 + SEC);
	struct vg_incident inc;

	assert_int_equal(alert(st, "Reverse shell", VG_PRIO_CRITICAL, "mitre_execution", b, T0 + 2 * SEC), i1);
	assert_int_equal(alert(st, "Cron job written", VG_PRIO_ERROR, "mitre_persistence", b, T0 + 3 * SEC), i1);
	assert_int_equal(count_incidents(st), 1);
	assert_int_equal(vg_incident_load(st, i1, &inc), 0);
	assert_int_equal(inc.nalerts, 2);
	assert_string_equal(inc.alerts[0].rule, "Reverse shell");
	assert_int_equal(inc.alerts[0].count, 2);
	assert_int_equal(inc.alerts[0].nprocs, 2);
	assert_int_equal(inc.alerts[0].nevidence, 2);
	assert_true(inc.alerts[0].first == T0 + SEC && inc.alerts[0].last == T0 + 2 * SEC);
	assert_int_equal(inc.count, 3);
	assert_int_equal(inc.priority, VG_PRIO_CRITICAL);
	assert_int_equal(inc.tactics, (1u << VG_TACTIC_EXECUTION) | (1u << VG_TACTIC_PERSISTENCE));
	assert_true(inc.score == vg_incident_score(VG_PRIO_CRITICAL, inc.tactics, 2, 3));
	vg_incident_free(&inc);
	done(st);
}

static void test_other_sessions_and_containers(void **state)
{
	struct vg_store *st = fresh();
	int64_t a = proc(st, "1-10", "S1", NULL, NULL, NULL, 0), b = proc(st, "2-11", "S2", NULL, NULL, NULL, 0);
	int64_t c1 = proc(st, "3-12", "S3", "c0ffee", NULL, NULL, 0), c2 = proc(st, "4-13", "S4", "c0ffee", NULL, NULL, 0);

	assert_int_not_equal(alert(st, "r", VG_PRIO_WARNING, "x", a, T0), alert(st, "r", VG_PRIO_WARNING, "x", b, T0));
	/* a container is one scope whatever the sessions in it */
	assert_int_equal(alert(st, "r", VG_PRIO_WARNING, "x", c1, T0), alert(st, "q", VG_PRIO_WARNING, "x", c2, T0));
	assert_int_equal(count_incidents(st), 3);
	done(st);
}

static void test_alerting_ancestor_links_a_process_that_left_the_session(void **state)
{
	struct vg_store *st = fresh();
	int64_t shell = proc(st, "1-10", "S1", NULL, NULL, NULL, 0);
	/* setsid'ed payload: its own session, the shell among its ancestors */
	int64_t daemon = proc(st, "5-20", "S9", NULL, "[\"4-19\",\"1-10\"]", NULL, 0);
	int64_t stranger = proc(st, "6-21", "S8", NULL, "[\"4-19\",\"0-1\"]", NULL, 0);
	int64_t i = alert(st, "Reverse shell", VG_PRIO_CRITICAL, "mitre_execution", shell, T0);

	assert_int_equal(alert(st, "Outbound", VG_PRIO_WARNING, "mitre_command_and_control", daemon, T0 + SEC), i);
	assert_int_not_equal(alert(st, "Outbound", VG_PRIO_WARNING, "mitre_command_and_control", stranger, T0 + SEC), i);
	done(st);
}

/* The cron case: the writer's session is one incident, the daemon that runs the job is
 * another; the job's alert links both (its ancestor alerted in one, it runs a file the
 * other wrote), so they become one, with the same rule in both coalesced. */
static void test_an_alert_linking_two_incidents_merges_them(void **state)
{
	struct vg_store *st = fresh();
	int64_t writer = proc(st, "1-10", "S1", NULL, NULL, NULL, 0);
	int64_t daemon = proc(st, "2-11", "S2", NULL, NULL, NULL, 0);
	int64_t script = file(st, "/tmp/job.sh");
	int64_t job = proc(st, "3-12", "S3", NULL, "[\"2-11\"]", "[\"/bin/sh\",\"/tmp/job.sh\"]", 0);
	int64_t a, b, i;
	struct vg_incident inc;

	event(st, writer, T0, "create_file", script, 0, true);
	a = alert(st, "Cron job written", VG_PRIO_ERROR, "mitre_persistence", writer, T0 + SEC);
	assert_int_equal(alert(st, "Outbound", VG_PRIO_WARNING, "mitre_command_and_control", writer, T0 + SEC), a);
	b = alert(st, "Program run under a daemon's name", VG_PRIO_WARNING, "mitre_defense_evasion", daemon, T0 + 2 * SEC);
	assert_int_equal(alert(st, "Outbound", VG_PRIO_WARNING, "mitre_command_and_control", daemon, T0 + 2 * SEC), b);
	assert_int_not_equal(a, b);
	assert_int_equal(count_incidents(st), 2);
	i = alert(st, "Program executed from temporary directory", VG_PRIO_WARNING, "mitre_execution", job, T0 + 3 * SEC);
	assert_int_equal(i, a); /* the older one */
	assert_int_equal(count_incidents(st), 1);
	assert_int_equal(vg_incident_load(st, i, &inc), 0);
	assert_int_equal(inc.nalerts, 4);
	assert_int_equal(inc.count, 5);
	for (int k = 0; k < inc.nalerts; k++)
		if (strcmp(inc.alerts[k].rule, "Outbound") == 0)
			assert_true(inc.alerts[k].count == 2 && inc.alerts[k].nprocs == 2 && inc.alerts[k].nevidence == 2);
	assert_int_equal(inc.tactics, (1u << VG_TACTIC_PERSISTENCE) | (1u << VG_TACTIC_COMMAND_AND_CONTROL) |
				      (1u << VG_TACTIC_DEFENSE_EVASION) | (1u << VG_TACTIC_EXECUTION));
	assert_true(inc.score == vg_incident_score(VG_PRIO_ERROR, inc.tactics, 4, 5));
	/* both sessions now lead here */
	assert_int_equal(alert(st, "x", VG_PRIO_NOTICE, "y", daemon, T0 + 4 * SEC), a);
	vg_incident_free(&inc);
	done(st);
}

static void test_written_file_links_its_later_run(void **state)
{
	struct vg_store *st = fresh();
	int64_t writer = proc(st, "1-10", "S1", NULL, NULL, NULL, 0);
	int64_t script = file(st, "/tmp/job.sh"), binary = file(st, "/tmp/drop"), other = file(st, "/tmp/other");
	int64_t by_script = proc(st, "7-30", "S3", NULL, "[\"6-29\"]", "[\"/bin/sh\",\"/tmp/job.sh\"]", 0);
	int64_t by_exe = proc(st, "8-31", "S4", NULL, NULL, NULL, binary);
	int64_t unrelated = proc(st, "9-32", "S5", NULL, NULL, "[\"/bin/sh\",\"/tmp/other\"]", 0);
	int64_t bystander = proc(st, "10-33", "S6", NULL, NULL, NULL, 0);
	int64_t i;

	event(st, writer, T0, "create_file", script, 0, true);
	event(st, writer, T0, "create_file", binary, 0, true);
	event(st, bystander, T0, "open", other, 0, true); /* written, but by no incident's process */
	i = alert(st, "Cron job written", VG_PRIO_ERROR, "mitre_persistence", writer, T0 + SEC);
	assert_int_equal(alert(st, "Program executed from temporary directory", VG_PRIO_WARNING, "mitre_execution",
			       by_script, T0 + 60 * SEC), i);
	assert_int_equal(alert(st, "Dropped file executed", VG_PRIO_ERROR, "mitre_execution", by_exe, T0 + 61 * SEC), i);
	assert_int_not_equal(alert(st, "Program executed from temporary directory", VG_PRIO_WARNING, "mitre_execution",
				   unrelated, T0 + 62 * SEC), i);
	done(st);
}

static void test_window_closes_the_incident(void **state)
{
	struct vg_store *st = fresh();
	int64_t a = proc(st, "1-10", "S1", NULL, NULL, NULL, 0);
	int64_t i = alert(st, "r", VG_PRIO_WARNING, "x", a, T0);

	assert_int_equal(alert(st, "r", VG_PRIO_WARNING, "x", a, T0 + VG_INCIDENT_WINDOW_NS), i);
	assert_int_not_equal(alert(st, "r", VG_PRIO_WARNING, "x", a, T0 + 2 * VG_INCIDENT_WINDOW_NS + 1), i);
	done(st);
}

static void test_evidence_is_bounded_and_count_is_not(void **state)
{
	struct vg_store *st = fresh();
	int64_t a = proc(st, "1-10", "S1", NULL, NULL, NULL, 0), i = 0;
	struct vg_incident inc;

	for (int k = 0; k < VG_ALERT_EVIDENCE_MAX + 5; k++)
		i = alert(st, "Port scan", VG_PRIO_WARNING, "mitre_discovery", a, T0 + (uint64_t)k);
	assert_int_equal(vg_incident_load(st, i, &inc), 0);
	assert_int_equal(inc.nalerts, 1);
	assert_int_equal(inc.alerts[0].count, VG_ALERT_EVIDENCE_MAX + 5);
	assert_int_equal(inc.alerts[0].nevidence, VG_ALERT_EVIDENCE_MAX);
	vg_incident_free(&inc);
	done(st);
}

static void test_tactics_and_score(void **state)
{
	const char *tags[] = { "host", "mitre_command_and_control", "T1071", "mitre_execution", "TA0003" };
	uint32_t mask = vg_tactic_mask(tags, 5);

	assert_int_equal(mask, (1u << VG_TACTIC_EXECUTION) | (1u << VG_TACTIC_PERSISTENCE) |
				       (1u << VG_TACTIC_COMMAND_AND_CONTROL));
	/* kill-chain order is the bit order */
	assert_true(VG_TACTIC_EXECUTION < VG_TACTIC_PERSISTENCE && VG_TACTIC_PERSISTENCE < VG_TACTIC_COMMAND_AND_CONTROL);
	assert_string_equal(vg_tactic_name(VG_TACTIC_CREDENTIAL_ACCESS), "credential_access");
	assert_true(vg_incident_score(VG_PRIO_CRITICAL, 1, 1, 1) > vg_incident_score(VG_PRIO_WARNING, 1, 1, 1));
	assert_true(vg_incident_score(VG_PRIO_WARNING, mask, 1, 1) > vg_incident_score(VG_PRIO_WARNING, 1, 1, 1));
	assert_true(vg_incident_score(VG_PRIO_WARNING, 1, 1, 1000) > vg_incident_score(VG_PRIO_WARNING, 1, 1, 1));
	/* a flood counts less than breadth */
	assert_true(vg_incident_score(VG_PRIO_WARNING, 1, 1, 1000) < vg_incident_score(VG_PRIO_WARNING, mask, 3, 3));
}

static int64_t flow(struct vg_store *st, int port)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO flows(host, proto, sip, sport, dip, dport, first, last, count)"
				     " VALUES(1, 'tcp', '127.0.0.1', 40000, '127.0.0.1', ?, 0, 0, 1) RETURNING id");
	int64_t id = 0;

	sqlite3_bind_int(s, 1, port);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

static void test_graph_collapses_repeated_siblings(void **state)
{
	struct vg_store *st = fresh();
	int64_t shell = proc(st, "1-10", "S1", NULL, NULL, "[\"bash\"]", 0), i = 0;
	struct vg_incident inc;
	struct vg_graph g;
	int procs = 0, endpoints = 0, live = 0;

	for (int k = 0; k < 12; k++) {
		char id[32];
		int64_t sub;

		snprintf(id, sizeof(id), "%d-%d", 100 + k, 200 + k);
		sub = proc(st, id, "S1", NULL, "[\"1-10\"]", "[\"bash\"]", 0);
		assert_int_equal(vg_store_exec(st, "UPDATE procs SET kind = 'fork', parent_exec_id = '1-10'"
						   " WHERE parent_exec_id IS NULL AND exec_id <> '1-10'"), 0);
		event(st, sub, T0 + (uint64_t)k, "connect", 0, flow(st, 20000 + k), false);
		i = alert(st, "Outbound connection", VG_PRIO_WARNING, "mitre_command_and_control", sub, T0 + (uint64_t)k);
	}
	(void)shell;
	assert_int_equal(vg_incident_load(st, i, &inc), 0);
	assert_int_equal(vg_graph_build(st, &inc, &g), 0);
	for (int n = 0; n < g.nnodes; n++) {
		live++;
		if (g.nodes[n].kind == VG_NODE_PROCESS && g.nodes[n].count == 12) {
			procs++;
			assert_true(g.nodes[n].alerting);
		}
		if (g.nodes[n].kind == VG_NODE_ENDPOINT && g.nodes[n].nports == 12)
			endpoints++;
	}
	assert_int_equal(procs, 1);
	assert_int_equal(endpoints, 1);
	assert_int_equal(live, 3); /* the shell, its subshells, the ports they reached */
	for (int e = 0; e < g.nedges; e++)
		if (g.edges[e].kind == VG_EDGE_CONNECT)
			assert_int_equal(g.edges[e].count, 12);
	vg_graph_free(&g);
	vg_incident_free(&inc);
	done(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_session_is_one_incident_with_coalesced_alerts),
		cmocka_unit_test(test_other_sessions_and_containers),
		cmocka_unit_test(test_alerting_ancestor_links_a_process_that_left_the_session),
		cmocka_unit_test(test_written_file_links_its_later_run),
		cmocka_unit_test(test_an_alert_linking_two_incidents_merges_them),
		cmocka_unit_test(test_window_closes_the_incident),
		cmocka_unit_test(test_evidence_is_bounded_and_count_is_not),
		cmocka_unit_test(test_tactics_and_score),
		cmocka_unit_test(test_graph_collapses_repeated_siblings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

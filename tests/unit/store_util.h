/* store_util.h — what the unit tests on a real (temporary) store share: a fresh store
 * with one host, and rows made the way the writer makes them (processes, events, files,
 * flows, alerts filed into incidents). */
#ifndef VIGIL_TEST_STORE_UTIL_H
#define VIGIL_TEST_STORE_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "incident/incident.h"
#include "incident/tactics.h"
#include "store/internal.h"

#define T0 1800000000000000000ull
#define SEC 1000000000ull

static char dir[64] __attribute__((unused)); /* the fresh store's directory */

__attribute__((unused)) static struct vg_store *fresh(void)
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

__attribute__((unused)) static void done(struct vg_store *st)
{
	char cmd[128];

	vg_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A process row; container may be NULL, ancestry and argv JSON arrays. */
__attribute__((unused)) static int64_t proc(struct vg_store *st, const char *exec_id, const char *session, const char *container,
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

__attribute__((unused)) static int64_t event(struct vg_store *st, int64_t proc, uint64_t ts, const char *type, int64_t file, int64_t flow,
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

__attribute__((unused)) static int64_t file(struct vg_store *st, const char *path)
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
__attribute__((unused)) static int64_t alert(struct vg_store *st, const char *rule, int priority, const char *tag, int64_t proc, uint64_t ts)
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

__attribute__((unused)) static int64_t flow(struct vg_store *st, int port)
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

#endif

/* test_store.c — the store's writer on synthetic events (a file followed by its inode
 * through create, rename, chmod and exec; processes and flows; alert evidence found by the
 * event's identity; a reused path's live name; images and flows written again; batches
 * in one transaction; a version 1 file migrated), retention by age that keeps an open incident's evidence, the crash
 * accounting of runs and its lock, and the units the options take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "decode/fields.h"
#include "proc/proctable.h"
#include "rules/rules.h"
#include "store/batch.h"
#include "store/internal.h"
#include "store/retention.h"
#include "store/runs.h"
#include "store/write.h"

#define T0 1800000000000000000ull
#define SEC 1000000000ull

static char dir[64], path[128];

static struct vg_store *fresh(void)
{
	char err[256];
	struct vg_store *st;

	snprintf(dir, sizeof(dir), "/tmp/vigil-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.db", dir);
	st = vg_store_open(path, VG_STORE_WRITE, err, sizeof(err));
	assert_non_null(st);
	return st;
}

static void done(struct vg_store *st)
{
	char cmd[128];

	vg_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- synthetic events --------------------------------------------------------------- */

struct sample {
	struct vg_hdr hdr;
	struct vg_event_buf buf;
	struct vg_proc proc;
};

static void image(struct vg_proc *p, int pid, const char *exec_id, const char *exe)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = 1;
	snprintf(p->exec_id, sizeof(p->exec_id), "%s", exec_id);
	snprintf(p->comm, sizeof(p->comm), "t%d", pid);
	p->exe = (char *)exe;
	p->cwd = (char *)"/";
	p->argv = (char *)exe;
	p->argv_len = strlen(exe) + 1;
	p->cmdline = (char *)exe;
}

static struct vg_event *ev(struct sample *s, int type, uint64_t seq, uint64_t ts, struct vg_proc *p)
{
	struct vg_event *e = vg_event_buf_init(&s->buf);

	memset(&s->hdr, 0, sizeof(s->hdr));
	s->hdr.type = (uint16_t)type;
	s->hdr.seq = seq;
	s->hdr.size = sizeof(s->hdr);
	e->raw = &s->hdr;
	e->type = (uint16_t)type;
	e->ts_ns = ts;
	e->proc = p;
	return e;
}

static void str(struct vg_event *e, const char *name, const char *v)
{
	vg_event_add_str(e, vg_field_find(name), v, strlen(v));
}

static void num(struct vg_event *e, const char *name, int64_t v)
{
	vg_event_add_int(e, vg_field_find(name), v);
}

static struct st_writer *writer(struct vg_store *st, struct st_run *run)
{
	char err[256];

	assert_int_equal(st_run_begin(st, run, err, sizeof(err)), 0);
	st_batch_init_fields();
	return st_writer_new(st, run->id, NULL);
}

static void test_a_file_is_followed_by_its_inode_and_names(void **state)
{
	struct vg_store *st = fresh();
	struct st_run run;
	struct st_writer *w = writer(st, &run);
	struct st_batch *b = st_batch_new();
	static struct sample s;
	struct vg_proc dropper, runner;
	struct vg_event *e;

	image(&dropper, 4001, "10-4001", "/usr/bin/curl");
	image(&runner, 4002, "20-4002", "/tmp/x/payload");
	e = ev(&s, VG_EV_CREATE, 1, T0, &dropper);
	str(e, "file.path", "/tmp/x/payload.part");
	num(e, "file.flags", 0101);
	num(e, "file.dev", 8 << 20);
	num(e, "file.ino", 77);
	st_batch_event(b, e);
	e = ev(&s, VG_EV_RENAME, 2, T0 + 1, &dropper);
	str(e, "file.path", "/tmp/x/payload.part");
	str(e, "file.newpath", "/tmp/x/payload");
	st_batch_event(b, e);
	e = ev(&s, VG_EV_CHMOD, 3, T0 + 2, &dropper);
	str(e, "file.path", "/tmp/x/payload");
	st_batch_event(b, e);
	e = ev(&s, VG_EV_EXEC, 4, T0 + 3, &runner);
	num(e, "exec.exe_dev", 8 << 20);
	num(e, "exec.exe_ino", 77);
	st_batch_event(b, e);
	e = ev(&s, VG_EV_CONNECT, 5, T0 + 4, &runner);
	str(e, "net.proto", "tcp");
	vg_event_add(e, vg_field_find("net.dip"), (struct vg_value){ .type = VG_V_IP, .ip = { .family = 4, .addr = { 10, 0, 0, 9 } } });
	num(e, "net.dport", 4444);
	st_batch_event(b, e);
	assert_int_equal(st_writer_apply(w, (const struct st_batch *const[]){ b }, 1), 0);

	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM files", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT ino FROM files", 0), 77);
	assert_int_equal(vg_store_int(st, "SELECT count(DISTINCT file) FROM events WHERE file IS NOT NULL", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events WHERE wrote = 1", 0), 3); /* create, rename, chmod */
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM file_names WHERE gone IS NULL", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM file_names WHERE path = '/tmp/x/payload.part'"
					  " AND gone IS NOT NULL", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT exe_file FROM procs WHERE exec_id = '20-4002'", 0),
			 vg_store_int(st, "SELECT id FROM files", -1));
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM procs", 0), 2);
	assert_int_equal(vg_store_int(st, "SELECT dport FROM flows", 0), 4444);
	assert_int_equal(vg_store_int(st, "SELECT committed FROM runs", 0), 5);
	st_batch_free(b);
	st_writer_free(w);
	st_run_end(st, &run);
	done(st);
}

/* A symlink event whose link name the kernel could not read (found by fuzz_store): the
 * event is stored with no file, and the rest of its batch with it. */
static void test_a_symlink_without_its_name_costs_no_batch(void **state)
{
	struct vg_store *st = fresh();
	struct st_run run;
	struct st_writer *w = writer(st, &run);
	struct st_batch *b = st_batch_new();
	static struct sample s;
	struct vg_proc p;
	struct vg_event *e;

	image(&p, 4005, "50-4005", "/bin/ln");
	e = ev(&s, VG_EV_LINK, 1, T0, &p);
	str(e, "file.path", "/etc/shadow");
	vg_event_add_bool(e, vg_field_find("file.symlink"), true);
	st_batch_event(b, e);
	e = ev(&s, VG_EV_UNLINK, 2, T0 + 1, &p);
	str(e, "file.path", "/tmp/gone");
	st_batch_event(b, e);
	assert_int_equal(st_writer_apply(w, (const struct st_batch *const[]){ b }, 1), 0);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events", 0), 2);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events WHERE type = 'link' AND file IS NULL"
					  " AND file2 IS NOT NULL", 0), 1);
	st_batch_free(b);
	st_writer_free(w);
	st_run_end(st, &run);
	done(st);
}

/* The live name of a path is found in the store (not the writer's cache) while the path's
 * older names are gone: x.part renamed away and made again names the new file. */
/* forget: the writer's cache dropped between batches, so that names come from the table */
static void reuse_a_path(bool forget)
{
	struct vg_store *st = fresh();
	struct st_run run;
	struct st_writer *w = writer(st, &run);
	struct st_batch *b = st_batch_new();
	static struct sample s;
	struct vg_proc p;
	struct vg_event *e;

	image(&p, 4001, "10-4001", "/usr/bin/curl");
	for (int i = 0; i < 3; i++) {
		e = ev(&s, VG_EV_CREATE, 10 * i + 1, T0 + 10 * i, &p);
		str(e, "file.path", "/tmp/x.part");
		num(e, "file.flags", 0101);
		num(e, "file.dev", 8 << 20);
		num(e, "file.ino", 100 + i);
		st_batch_event(b, e);
		assert_int_equal(st_writer_apply(w, (const struct st_batch *const[]){ b }, 1), 0);
		st_batch_reset(b);
		if (forget)
			st_writer_forget(w);
		e = ev(&s, VG_EV_RENAME, 10 * i + 2, T0 + 10 * i + 1, &p);
		str(e, "file.path", "/tmp/x.part");
		str(e, "file.newpath", "/tmp/x");
		st_batch_event(b, e);
		assert_int_equal(st_writer_apply(w, (const struct st_batch *const[]){ b }, 1), 0);
		st_batch_reset(b);
		if (forget)
			st_writer_forget(w);
	}
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM file_names WHERE gone IS NULL", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT f.ino FROM file_names n JOIN files f ON f.id = n.file"
					  " WHERE n.path = '/tmp/x' AND n.gone IS NULL", 0), 102);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM file_names WHERE path = '/tmp/x'", 0), 3);
	/* each x.part ended by its rename, never again by the next create */
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM file_names WHERE path = '/tmp/x.part'"
					  " AND gone = first + 1", 0), 3);
	/* each rename names the file its create made */
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events e JOIN files f ON f.id = e.file"
					  " WHERE e.type = 'rename' AND f.ino = 100 + e.seq / 10", 0), 3);
	st_batch_free(b);
	st_writer_free(w);
	st_run_end(st, &run);
	done(st);
}

static void test_a_reused_path_names_its_newest_file(void **state)
{
	reuse_a_path(true);
	reuse_a_path(false);
}

/* A process image and a flow written again once the writer forgot them (its cache dropped,
 * a new run on the same file) are the rows they were: an insert that met its row takes
 * that row's id, and the flow counts the second connect. Two batches in one call are one
 * transaction, both counted. A new file has the writer's page size. */
static void test_an_image_or_flow_seen_again_is_its_row(void **state)
{
	struct vg_store *st = fresh();
	struct st_run run;
	struct st_writer *w = writer(st, &run);
	struct st_batch *b[2] = { st_batch_new(), st_batch_new() };
	static struct sample s;
	struct vg_proc p;
	struct vg_event *e;

	image(&p, 4001, "10-4001", "/usr/bin/curl");
	for (int i = 0; i < 2; i++) {
		e = ev(&s, VG_EV_CONNECT, (uint64_t)i + 1, T0 + (uint64_t)i, &p);
		str(e, "net.proto", "tcp");
		vg_event_add(e, vg_field_find("net.dip"),
			     (struct vg_value){ .type = VG_V_IP, .ip = { .family = 4, .addr = { 10, 0, 0, 9 } } });
		num(e, "net.dport", 4444);
		num(e, "net.sport", 40000);
		st_batch_event(b[0], e);
		assert_int_equal(st_writer_apply(w, (const struct st_batch *const *)b, 1), 0);
		st_batch_reset(b[0]);
		st_writer_forget(w);
	}
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM procs", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM flows", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT count FROM flows", 0), 2);
	assert_int_equal(vg_store_int(st, "SELECT last - first FROM flows", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events e JOIN procs p ON p.id = e.proc"
					  " JOIN flows f ON f.id = e.flow", 0), 2);

	for (int i = 0; i < 2; i++) {
		e = ev(&s, VG_EV_EXIT, (uint64_t)i + 3, T0 + 2 + (uint64_t)i, &p);
		num(e, "exit.code", i);
		st_batch_event(b[i], e);
	}
	assert_int_equal(st_writer_apply(w, (const struct st_batch *const *)b, 2), 0);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events", 0), 4);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM procs", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT exit_code FROM procs", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT committed FROM runs", 0), 4);
	assert_int_equal(vg_store_int(st, "PRAGMA page_size", 0), 16384);
	st_batch_free(b[0]);
	st_batch_free(b[1]);
	st_writer_free(w);
	st_run_end(st, &run);
	done(st);
}

/* A version 1 file (hosts known by name only, two indexes on file_names.path) is brought to
 * the current version when the agent opens it, its rows kept. */
static void test_a_version_1_file_is_migrated(void **state)
{
	struct vg_store *st = fresh();
	char err[256];

	assert_int_equal(vg_store_exec(st, "DROP TABLE collected;"
					   "CREATE TABLE hosts_v1(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
					   "  boot_id TEXT NOT NULL, UNIQUE(name, boot_id));"
					   "DROP TABLE hosts;"
					   "ALTER TABLE hosts_v1 RENAME TO hosts;"
					   "INSERT INTO hosts(id, name, boot_id) VALUES(1, 'h', 'b');"
					   "DROP INDEX file_names_path;"
					   "CREATE INDEX file_names_path ON file_names(path);"
					   "CREATE INDEX file_names_live ON file_names(path, host) WHERE gone IS NULL;"
					   "INSERT INTO file_names(file, host, path, first) VALUES(1, 1, '/a', 1);"
					   "PRAGMA user_version = 1;"), 0);
	vg_store_close(st);
	assert_null(vg_store_open(path, VG_STORE_READ, err, sizeof(err)));
	assert_non_null(strstr(err, "older than this vigil's"));
	st = vg_store_open(path, VG_STORE_WRITE, err, sizeof(err));
	assert_non_null(st);
	assert_int_equal(vg_store_int(st, "PRAGMA user_version", 0), VG_STORE_SCHEMA_VERSION);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM sqlite_master WHERE name = 'file_names_live'", -1), 0);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM pragma_index_info('file_names_path')", 0), 2);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM file_names WHERE path = '/a'", 0), 1);
	/* version 2: the host's name stands in for the id it never recorded */
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM hosts WHERE host_id = name", 0), 1);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM collected", -1), 0);
	done(st);
}

static void test_alert_evidence_is_the_stored_event(void **state)
{
	struct vg_store *st = fresh();
	struct st_run run;
	struct st_writer *w = writer(st, &run);
	struct st_batch *b = st_batch_new();
	static struct sample s, t;
	const struct vg_event *evidence[2];
	const char *tags[] = { "mitre_execution" };
	struct vg_alert a = { .rule = "r", .priority = VG_PRIO_WARNING, .tags = tags, .ntags = 1, .output = "o",
			      .evidence = evidence, .nevidence = 2 };
	struct vg_proc p;

	image(&p, 4003, "30-4003", "/bin/sh");
	evidence[0] = ev(&t, VG_EV_SETSID, 9, T0 - SEC, &p); /* an event the store never received */
	evidence[1] = a.ev = ev(&s, VG_EV_EXEC, 10, T0, &p);
	st_batch_event(b, a.ev);
	st_batch_alert(b, &a, false, false);
	assert_int_equal(st_writer_apply(w, (const struct st_batch *const[]){ b }, 1), 0);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events", 0), 2);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM alert_events", 0), 2);
	assert_int_equal(vg_store_int(st, "SELECT e.seq FROM alert_events a JOIN events e ON e.id = a.event"
					  " WHERE e.type = 'exec'", 0), 10);
	assert_int_equal(vg_store_int(st, "SELECT tactics FROM incidents", 0), 1 << 3);
	st_batch_free(b);
	st_writer_free(w);
	st_run_end(st, &run);
	done(st);
}

static void test_retention_by_age_keeps_open_evidence(void **state)
{
	struct vg_store *st = fresh();
	uint64_t now = T0 + 10 * 86400 * SEC;
	struct st_retention r = { .max_age_ns = 86400 * SEC };

	assert_int_equal(vg_store_exec(st,
		"INSERT INTO hosts(id, name, boot_id, host_id) VALUES(1, 'h', 'b', 'h');"
		"INSERT INTO procs(id, host, exec_id, kind, exec_time) VALUES(1, 1, 'a', 'exec', 0);"
		"INSERT INTO events(id, host, cpu, seq, ts, type, proc) VALUES"
		" (1, 1, 0, 1, 1800000000000000000, 'exec', 1), (2, 1, 0, 2, 1800000000000000001, 'exec', 1),"
		" (3, 1, 0, 3, 1800863000000000000, 'exec', 1);"
		/* an incident still open (its last alert is recent) citing the old event 2 */
		"INSERT INTO incidents(id, first, last, priority) VALUES(1, 1800000000000000001, 1800863000000000000, 4);"
		"INSERT INTO alerts(id, incident, host, rule, priority, count, first, last) VALUES"
		" (1, 1, 1, 'r', 4, 1, 1800000000000000001, 1800000000000000001);"
		"INSERT INTO alert_events VALUES(1, 2, 1);"), 0);
	assert_true(st_retention_run(st, &r, now));
	/* event 1 is old and went; 2 is as old but the open incident's evidence; 3 is recent */
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events WHERE id IN (2, 3)", -1), 2);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events", -1), 2);
	assert_int_equal(r.events_by_age, 1);
	assert_int_equal(vg_store_meta_int(st, "retention_events_age", 0), 1);
	/* the incident ages out: its evidence goes with it */
	now += 86400 * SEC * 30;
	assert_true(st_retention_run(st, &r, now));
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM events", -1), 0);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM incidents", -1), 0);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM alert_events", -1), 0);
	assert_int_equal(vg_store_int(st, "SELECT count(*) FROM procs", -1), 0); /* nothing refers to it */
	assert_int_equal(vg_store_meta_int(st, "retention_incidents_age", 0), 1);
	assert_int_equal(vg_store_meta_int(st, "retention_events_age", 0), 3);
	done(st);
}

static void test_a_crashed_run_is_accounted_and_the_store_locked(void **state)
{
	struct vg_store *st = fresh();
	struct st_run first, second, third;
	char err[256];

	assert_int_equal(st_run_begin(st, &first, err, sizeof(err)), 0);
	/* another agent on the same store is refused while the first holds it */
	assert_int_equal(st_run_begin(st, &second, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "another vigil run"));
	first.counts->accepted = 10;
	first.counts->dropped = 1;
	assert_int_equal(vg_store_exec(st, "UPDATE runs SET committed = 6"), 0);
	/* the first run dies: its lock goes, it never closes */
	munmap(first.counts, sizeof(*first.counts));
	close(first.fd);
	assert_int_equal(st_run_begin(st, &third, err, sizeof(err)), 0);
	assert_int_equal(vg_store_int(st, "SELECT lost_at_crash FROM runs WHERE id = 1", -1), 3);
	assert_int_equal(vg_store_int(st, "SELECT dropped FROM runs WHERE id = 1", -1), 1);
	assert_int_equal(third.counts->run, third.id);
	st_run_end(st, &third);
	assert_int_equal(vg_store_int(st, "SELECT clean FROM runs WHERE id = 2", -1), 1);
	done(st);
}

static void test_units(void **state)
{
	char err[256];
	uint64_t t;

	assert_int_equal(vg_store_parse_bytes("512M", err, sizeof(err)), 512ull << 20);
	assert_int_equal(vg_store_parse_bytes("2g", err, sizeof(err)), 2ull << 30);
	assert_int_equal(vg_store_parse_bytes("1000", err, sizeof(err)), 1000);
	assert_int_equal(vg_store_parse_bytes("12Q", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not a size"));
	assert_int_equal(vg_store_parse_duration("7d", err, sizeof(err)), 7 * 86400 * SEC);
	assert_int_equal(vg_store_parse_duration("90", err, sizeof(err)), 90 * SEC);
	assert_int_equal(vg_store_parse_duration("-1m", err, sizeof(err)), 0);
	assert_int_equal(vg_store_parse_time("2027-01-15T08:00:00Z", err, sizeof(err)), 1800000000ull * SEC);
	assert_int_equal(vg_store_parse_time("2027-01-15T09:00:00.5+01:00", err, sizeof(err)),
			 1800000000ull * SEC + SEC / 2);
	assert_int_equal(vg_store_parse_time("1800000000", err, sizeof(err)), 1800000000ull * SEC);
	t = vg_store_parse_time("15m", err, sizeof(err));
	assert_true(vg_store_now_ns() - t >= 15 * 60 * SEC && vg_store_now_ns() - t < 16 * 60 * SEC);
	assert_int_equal(vg_store_parse_time("yesterday", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not a time"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_file_is_followed_by_its_inode_and_names),
		cmocka_unit_test(test_a_symlink_without_its_name_costs_no_batch),
		cmocka_unit_test(test_a_reused_path_names_its_newest_file),
		cmocka_unit_test(test_an_image_or_flow_seen_again_is_its_row),
		cmocka_unit_test(test_a_version_1_file_is_migrated),
		cmocka_unit_test(test_alert_evidence_is_the_stored_event),
		cmocka_unit_test(test_retention_by_age_keeps_open_evidence),
		cmocka_unit_test(test_a_crashed_run_is_accounted_and_the_store_locked),
		cmocka_unit_test(test_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

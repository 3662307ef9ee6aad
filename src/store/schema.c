/* schema.c — the store's schema, its version and migrations, and opening a store.
 *
 * Times are wall-clock nanoseconds since the epoch (INTEGER). Identity: a process image is
 * (host, exec_id); a file is (host, dev, ino) when the kernel told us its inode, else the
 * file a path named when we first saw it (file_names keeps every path a file had, with
 * when it got and lost it); a flow is (host, proto, sip, sport, dip, dport); an event is
 * (host, cpu, seq) from its record header, found by its ts (indexed) when an alert cites
 * it as evidence. docs/evidence.md describes every table; a change here is a new schema
 * version with a migration below, never an edit of version 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include "store/internal.h"

static const char schema_v1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
	/* one row per host boot: exec_ids and sequence numbers are unique within one */
	"CREATE TABLE hosts(id INTEGER PRIMARY KEY, name TEXT NOT NULL, boot_id TEXT NOT NULL,"
	"  UNIQUE(name, boot_id));"
	/* one row per agent run writing this file: what it committed and lost */
	"CREATE TABLE runs(id INTEGER PRIMARY KEY, pid INTEGER, started INTEGER, stopped INTEGER,"
	"  heartbeat INTEGER, clean INTEGER NOT NULL DEFAULT 0, committed INTEGER NOT NULL DEFAULT 0,"
	"  dropped INTEGER NOT NULL DEFAULT 0, lost_at_crash INTEGER, stats TEXT);"
	"CREATE TABLE procs(id INTEGER PRIMARY KEY, host INTEGER NOT NULL, exec_id TEXT NOT NULL,"
	"  parent_exec_id TEXT, prev_exec_id TEXT, kind TEXT NOT NULL,"
	"  pid INTEGER, ppid INTEGER, pgid INTEGER, sid INTEGER, session TEXT, tree TEXT,"
	"  uid INTEGER, euid INTEGER, gid INTEGER, auid INTEGER, user TEXT, comm TEXT, exe TEXT,"
	"  exe_file INTEGER, argv TEXT, cwd TEXT, tty TEXT, container TEXT, ssh TEXT, ld_preload TEXT,"
	"  ancestry TEXT, started INTEGER, exec_time INTEGER, exited INTEGER, exit_code INTEGER,"
	"  UNIQUE(exec_id, host));"
	/* identities first, host second: a query may name a process without its host */
	"CREATE INDEX procs_parent ON procs(parent_exec_id, host);"
	"CREATE INDEX procs_prev ON procs(prev_exec_id, host) WHERE prev_exec_id IS NOT NULL;"
	"CREATE INDEX procs_session ON procs(session, host);"
	"CREATE INDEX procs_tree ON procs(tree, host);"
	"CREATE INDEX procs_pid ON procs(pid, host, started);"
	"CREATE INDEX procs_container ON procs(container) WHERE container IS NOT NULL;"
	"CREATE INDEX procs_exe_file ON procs(exe_file) WHERE exe_file IS NOT NULL;"
	"CREATE INDEX procs_exec_time ON procs(exec_time);"
	/* path: the name it was first seen by (file_names has them all) */
	"CREATE TABLE files(id INTEGER PRIMARY KEY, host INTEGER NOT NULL, dev INTEGER, ino INTEGER,"
	"  path TEXT NOT NULL, first INTEGER);"
	"CREATE UNIQUE INDEX files_inode ON files(host, dev, ino) WHERE ino IS NOT NULL;"
	"CREATE INDEX files_first ON files(first);"
	"CREATE TABLE file_names(id INTEGER PRIMARY KEY, file INTEGER NOT NULL, host INTEGER NOT NULL,"
	"  path TEXT NOT NULL, first INTEGER, gone INTEGER);"
	"CREATE INDEX file_names_path ON file_names(path);"
	/* the name a path gives now: one row, however often the path was reused */
	"CREATE INDEX file_names_live ON file_names(path, host) WHERE gone IS NULL;"
	"CREATE INDEX file_names_file ON file_names(file);"
	"CREATE TABLE flows(id INTEGER PRIMARY KEY, host INTEGER NOT NULL, proto TEXT NOT NULL,"
	"  sip TEXT NOT NULL, sport INTEGER NOT NULL, dip TEXT NOT NULL, dport INTEGER NOT NULL,"
	"  first INTEGER, last INTEGER, count INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE(host, proto, sip, sport, dip, dport));"
	"CREATE INDEX flows_dip ON flows(dip, dport);"
	"CREATE INDEX flows_sip ON flows(sip, sport);"
	"CREATE INDEX flows_first ON flows(first);"
	/* type is the event's name (docs/events.md); fields its own fields as a JSON object,
	 * as `vigil run` prints them; wrote = the event made file's content or name (create,
	 * write, open for writing, rename or link into place, chmod) */
	"CREATE TABLE events(id INTEGER PRIMARY KEY, host INTEGER NOT NULL, cpu INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL, proc INTEGER, file INTEGER,"
	"  file2 INTEGER, flow INTEGER, ret INTEGER, wrote INTEGER NOT NULL DEFAULT 0, fields TEXT);"
	"CREATE INDEX events_ts ON events(ts);"
	"CREATE INDEX events_proc ON events(proc);"
	"CREATE INDEX events_file ON events(file, wrote) WHERE file IS NOT NULL;"
	"CREATE INDEX events_file2 ON events(file2) WHERE file2 IS NOT NULL;"
	"CREATE INDEX events_flow ON events(flow) WHERE flow IS NOT NULL;"
	/* tactics: a bit per ATT&CK tactic (src/incident/tactics.h order) */
	"CREATE TABLE incidents(id INTEGER PRIMARY KEY, first INTEGER NOT NULL, last INTEGER NOT NULL,"
	"  score REAL NOT NULL DEFAULT 0, priority INTEGER NOT NULL, tactics INTEGER NOT NULL DEFAULT 0,"
	"  rules INTEGER NOT NULL DEFAULT 0, count INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX incidents_last ON incidents(last);"
	/* what an incident is about: kind session|tree|container|proc, key "HOST:ID" */
	"CREATE TABLE incident_scopes(kind TEXT NOT NULL, key TEXT NOT NULL, incident INTEGER NOT NULL,"
	"  PRIMARY KEY(kind, key, incident)) WITHOUT ROWID;"
	"CREATE INDEX incident_scopes_incident ON incident_scopes(incident);"
	/* one row per rule per incident: repeats are counted, not repeated */
	"CREATE TABLE alerts(id INTEGER PRIMARY KEY, incident INTEGER NOT NULL, host INTEGER NOT NULL,"
	"  rule TEXT NOT NULL, priority INTEGER NOT NULL, tags TEXT, desc TEXT, output TEXT,"
	"  last_output TEXT, action TEXT, killed INTEGER NOT NULL DEFAULT 0, denied INTEGER NOT NULL DEFAULT 0,"
	"  count INTEGER NOT NULL,"
	"  first INTEGER NOT NULL, last INTEGER NOT NULL, proc INTEGER, UNIQUE(incident, rule));"
	/* the evidence events of an alert's first occurrences (bounded) */
	"CREATE TABLE alert_events(alert INTEGER NOT NULL, event INTEGER NOT NULL, occurrence INTEGER,"
	"  PRIMARY KEY(alert, event)) WITHOUT ROWID;"
	"CREATE INDEX alert_events_event ON alert_events(event);"
	/* every process an alert fired on, with its own count */
	"CREATE TABLE alert_procs(alert INTEGER NOT NULL, proc INTEGER NOT NULL, count INTEGER NOT NULL,"
	"  first INTEGER, last INTEGER, PRIMARY KEY(alert, proc)) WITHOUT ROWID;"
	"CREATE INDEX alert_procs_proc ON alert_procs(proc);";

/* Version 2: one store for a fleet (`vigil collect --store`). A host is keyed by the id its
 * agent names its records with (host_id:boot_id:seq), not by its name: hosts cloned from
 * one image, or several agents on one machine, share a name. Version 1 rows did not record
 * the id; their name stands in for it. `collected` holds the record sequence numbers a
 * collector stored per host boot (with the record's time: retention drops them with the
 * events they stood for), so that a message JetStream delivers again is skipped;
 * hosts.stats the host's latest stats line. */
static const char schema_v2[] =
	"CREATE TABLE hosts_v2(id INTEGER PRIMARY KEY, name TEXT NOT NULL, boot_id TEXT NOT NULL,"
	"  host_id TEXT NOT NULL, stats TEXT, UNIQUE(host_id, boot_id));"
	"INSERT INTO hosts_v2(id, name, boot_id, host_id) SELECT id, name, boot_id, name FROM hosts;"
	"DROP TABLE hosts;"
	"ALTER TABLE hosts_v2 RENAME TO hosts;"
	"CREATE INDEX hosts_name ON hosts(name);"
	"CREATE TABLE collected(host INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,"
	"  PRIMARY KEY(host, seq)) WITHOUT ROWID;"
	"CREATE INDEX collected_ts ON collected(ts);";

/* Version 3: one index on a path's names, newest last: the live name of a path is its newest row when
 * that row has no `gone` (a name is ended before the path names another file), so the
 * writer needs no second, partial index that every name enters and leaves again. */
static const char schema_v3[] =
	"DROP INDEX file_names_live;"
	"DROP INDEX file_names_path;"
	"CREATE INDEX file_names_path ON file_names(path, host);";

/* migrations[v] takes a file from version v to v + 1; version 0 is an empty file. */
static const char *const migrations[VG_STORE_SCHEMA_VERSION] = {
	schema_v1,
	schema_v2,
	schema_v3,
};

static void report(char *err, size_t errlen, const char *path, const char *what, sqlite3 *db)
{
	snprintf(err, errlen, "%s: %s%s%s", path, what, db ? ": " : "", db ? sqlite3_errmsg(db) : "");
}

int vg_store_exec(struct vg_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "vigil: store %s: %s\n", st->path, msg ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	return -1;
}

sqlite3_stmt *vg_sql(struct vg_store *st, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) * 0x9e3779b97f4a7c15ull >> 32;

	for (size_t i = 0; i < VG_STORE_STMTS; i++) {
		size_t k = (h + i) & (VG_STORE_STMTS - 1);

		if (st->stmts[k].sql == sql)
			return st->stmts[k].stmt;
		if (!st->stmts[k].sql) {
			if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[k].stmt, NULL) !=
			    SQLITE_OK) {
				fprintf(stderr, "vigil: store: cannot prepare \"%s\": %s\n", sql, sqlite3_errmsg(st->db));
				return NULL;
			}
			st->stmts[k].sql = sql;
			return st->stmts[k].stmt;
		}
	}
	fprintf(stderr, "vigil: store: more than %d statements\n", VG_STORE_STMTS);
	return NULL;
}

int64_t vg_store_int(struct vg_store *st, const char *sql, int64_t dflt)
{
	sqlite3_stmt *s = vg_sql(st, sql);
	int64_t v = dflt;

	if (s && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	if (s)
		sqlite3_reset(s);
	return v;
}

void vg_bind_text(sqlite3_stmt *s, int i, const char *p)
{
	if (p && *p)
		sqlite3_bind_text(s, i, p, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

void vg_bind_textn(sqlite3_stmt *s, int i, const char *p, size_t len)
{
	if (p && len)
		sqlite3_bind_text(s, i, p, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

const char *vg_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int64_t vg_store_meta_int(struct vg_store *st, const char *key, int64_t dflt)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT value FROM meta WHERE key = ?");
	int64_t v = dflt;

	if (!s)
		return dflt;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

void vg_store_meta_set_int(struct vg_store *st, const char *key, int64_t value)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO meta(key, value) VALUES(?, ?) "
				     "ON CONFLICT(key) DO UPDATE SET value = excluded.value");

	if (!s)
		return;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, value);
	sqlite3_step(s);
	sqlite3_reset(s);
}

/* The directory of path, made like mkdir -p (the default path's /var/lib/vigil). */
static int make_parent(const char *path)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(dir, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

/* Brings the file to VG_STORE_SCHEMA_VERSION, one migration per transaction. */
static int migrate(struct vg_store *st, char *err, size_t errlen)
{
	int64_t v = vg_store_int(st, "PRAGMA user_version", 0);

	if (v > VG_STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %lld is newer than this vigil's (%d)", st->path,
			 (long long)v, VG_STORE_SCHEMA_VERSION);
		return -1;
	}
	if (v < VG_STORE_SCHEMA_VERSION && st->mode == VG_STORE_READ) {
		snprintf(err, errlen, "%s: schema version %lld is older than this vigil's (%d); the agent "
				      "migrates it when it next writes the store", st->path, (long long)v,
			 VG_STORE_SCHEMA_VERSION);
		return -1;
	}
	for (; v < VG_STORE_SCHEMA_VERSION; v++) {
		char set[64];

		snprintf(set, sizeof(set), "PRAGMA user_version = %lld;", (long long)v + 1);
		if (vg_store_exec(st, "BEGIN IMMEDIATE") < 0 || vg_store_exec(st, migrations[v]) < 0 ||
		    vg_store_exec(st, set) < 0 || vg_store_exec(st, "COMMIT") < 0) {
			report(err, errlen, st->path, "schema migration failed", st->db);
			vg_store_exec(st, "ROLLBACK");
			return -1;
		}
	}
	return 0;
}

/* WAL: readers run beside the writer and a crash loses at most the transaction in
 * flight. synchronous=NORMAL: a commit is durable against a process crash at once and
 * against power loss at the next checkpoint, and costs no fsync per batch. */
static const char writer_pragmas[] =
	/* a new file's pages (an existing file keeps its own): fewer page splits and b-tree
	 * levels per row, fewer pages a batch dirties (store_bench: writer 6.2 -> 5.0 us/event
	 * with the checkpoint interval below) */
	"PRAGMA page_size = 16384;"
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = NORMAL;"
	"PRAGMA cache_size = -32768;"        /* 32 MiB of page cache */
	"PRAGMA temp_store = MEMORY;"
	"PRAGMA wal_autocheckpoint = 4096;"  /* pages (64 MiB of WAL at 16 KiB) */
	"PRAGMA journal_size_limit = 67108864;"
	"PRAGMA foreign_keys = OFF;"
	"PRAGMA secure_delete = OFF;"; /* Debian builds it on: every freed cell and page zeroed */

struct vg_store *vg_store_open(const char *path, enum vg_store_mode mode, char *err, size_t errlen)
{
	struct vg_store *st = calloc(1, sizeof(*st));
	int flags = mode == VG_STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* every connection is used by one thread at a time: SQLite's own locking is not
	 * needed (a no-op once SQLite is initialised) */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	/* no allocation statistics: they take a global mutex on every malloc and free */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	snprintf(st->path, sizeof(st->path), "%s", path);
	st->mode = mode;
	if (mode == VG_STORE_WRITE && make_parent(path) < 0) {
		snprintf(err, errlen, "%s: cannot create its directory: %s", path, strerror(errno));
		free(st);
		return NULL;
	}
	if (mode == VG_STORE_READ && access(path, R_OK) < 0) {
		snprintf(err, errlen, "%s: %s (an agent writes it with `vigil run --store %s`)", path,
			 strerror(errno), path);
		free(st);
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		report(err, errlen, path, "cannot open", st->db);
		vg_store_close(st);
		return NULL;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (mode == VG_STORE_WRITE && vg_store_exec(st, writer_pragmas) < 0) {
		report(err, errlen, path, "cannot set it up", st->db);
		vg_store_close(st);
		return NULL;
	}
	if (migrate(st, err, errlen) < 0) {
		vg_store_close(st);
		return NULL;
	}
	st->window_ns = (uint64_t)vg_store_meta_int(st, "incident_window_ns", (int64_t)VG_INCIDENT_WINDOW_NS);
	return st;
}

void vg_store_close(struct vg_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < VG_STORE_STMTS; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	sqlite3_close(st->db);
	free(st);
}

struct sqlite3 *vg_store_db(struct vg_store *st)
{
	return st->db;
}

const char *vg_store_path(const struct vg_store *st)
{
	return st->path;
}

uint64_t vg_store_window_ns(struct vg_store *st)
{
	return st->window_ns;
}

uint64_t vg_store_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

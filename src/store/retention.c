/* retention.c — byte and age budgets (retention.h). */
#include <stdio.h>
#include "store/internal.h"
#include "store/retention.h"

#define CHUNK 20000 /* rows deleted per statement: bounds how long one transaction holds the file */
#define ROUNDS 16   /* chunks per call: bounds how long one call takes */

uint64_t st_store_used_bytes(struct vg_store *st)
{
	int64_t pages = vg_store_int(st, "PRAGMA page_count", 0), free_pages = vg_store_int(st, "PRAGMA freelist_count", 0);

	return (uint64_t)(pages - free_pages) * (uint64_t)vg_store_int(st, "PRAGMA page_size", 4096);
}

static int64_t changes_of(struct vg_store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? sqlite3_changes64(st->db) : -1;
}

static void count(struct vg_store *st, const char *key, int64_t n)
{
	if (n > 0)
		vg_store_meta_set_int(st, key, vg_store_meta_int(st, key, 0) + n);
}

/* Incidents whose last alert is before cutoff, with everything that hangs on them. */
static int64_t old_incidents(struct vg_store *st, uint64_t cutoff)
{
	static const char *const deletes[] = {
		"DELETE FROM alert_events WHERE alert IN (SELECT a.id FROM alerts a JOIN incidents i ON i.id = a.incident"
		" WHERE i.last < ?)",
		"DELETE FROM alert_procs WHERE alert IN (SELECT a.id FROM alerts a JOIN incidents i ON i.id = a.incident"
		" WHERE i.last < ?)",
		"DELETE FROM alerts WHERE incident IN (SELECT id FROM incidents WHERE last < ?)",
		"DELETE FROM incident_scopes WHERE incident IN (SELECT id FROM incidents WHERE last < ?)",
		"DELETE FROM incidents WHERE last < ?",
	};
	int64_t n = 0;

	for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++) {
		sqlite3_stmt *s = vg_sql(st, deletes[i]);

		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, (int64_t)cutoff);
		n = changes_of(st, s);
		if (n < 0)
			return -1;
	}
	return n;
}

/* Up to CHUNK of the oldest events that are no alert's evidence (all of them older than
 * before, when before is not 0). */
static int64_t old_events(struct vg_store *st, uint64_t before)
{
	sqlite3_stmt *s = vg_sql(st, "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.ts < ?"
				     " AND NOT EXISTS (SELECT 1 FROM alert_events a WHERE a.event = e.id)"
				     " ORDER BY e.ts LIMIT ?)");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, before ? (int64_t)before : INT64_MAX);
	sqlite3_bind_int(s, 2, CHUNK);
	return changes_of(st, s);
}

/* Processes, files and flows older than the oldest event left that nothing refers to. */
static int orphans(struct vg_store *st)
{
	static const char *const deletes[] = {
		"DELETE FROM procs WHERE id IN (SELECT p.id FROM procs p WHERE p.exec_time < ?1"
		" AND NOT EXISTS (SELECT 1 FROM events e WHERE e.proc = p.id)"
		" AND NOT EXISTS (SELECT 1 FROM alert_procs a WHERE a.proc = p.id) LIMIT ?2)",
		"DELETE FROM file_names WHERE file IN (SELECT f.id FROM files f WHERE f.first < ?1"
		" AND NOT EXISTS (SELECT 1 FROM events e WHERE e.file = f.id)"
		" AND NOT EXISTS (SELECT 1 FROM events e WHERE e.file2 = f.id)"
		" AND NOT EXISTS (SELECT 1 FROM procs p WHERE p.exe_file = f.id) LIMIT ?2)",
		"DELETE FROM files WHERE id IN (SELECT f.id FROM files f WHERE f.first < ?1"
		" AND NOT EXISTS (SELECT 1 FROM file_names n WHERE n.file = f.id) LIMIT ?2)",
		"DELETE FROM flows WHERE id IN (SELECT f.id FROM flows f WHERE f.first < ?1"
		" AND NOT EXISTS (SELECT 1 FROM events e WHERE e.flow = f.id) LIMIT ?2)",
		/* a fleet store's delivery keys, gone with the events they stood for */
		"DELETE FROM collected WHERE (host, seq) IN (SELECT host, seq FROM collected WHERE ts < ?1 LIMIT ?2)",
	};
	int64_t oldest = vg_store_int(st, "SELECT min(ts) FROM events", INT64_MAX);

	for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++) {
		sqlite3_stmt *s = vg_sql(st, deletes[i]);

		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, oldest);
		sqlite3_bind_int(s, 2, CHUNK);
		if (changes_of(st, s) < 0)
			return -1;
	}
	return 0;
}

/* One chunk of work in its own transaction; returns rows deleted, -1 on error. */
static int64_t chunk(struct vg_store *st, struct st_retention *r, uint64_t now, bool by_size)
{
	uint64_t cutoff = r->max_age_ns && now > r->max_age_ns ? now - r->max_age_ns : 0;
	int64_t incidents = 0, events;

	if (vg_store_exec(st, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (!by_size && cutoff && (incidents = old_incidents(st, cutoff)) < 0)
		goto fail;
	events = by_size ? old_events(st, 0) : cutoff ? old_events(st, cutoff) : 0;
	if (events < 0 || (events > 0 && orphans(st) < 0))
		goto fail;
	count(st, by_size ? "retention_events_size" : "retention_events_age", events);
	count(st, "retention_incidents_age", incidents);
	if (vg_store_exec(st, "COMMIT") < 0)
		goto fail;
	if (by_size)
		r->events_by_size += (uint64_t)events;
	else
		r->events_by_age += (uint64_t)events;
	r->incidents_by_age += (uint64_t)incidents;
	return events + incidents;
fail:
	fprintf(stderr, "vigil: store %s: retention failed: %s\n", st->path, sqlite3_errmsg(st->db));
	vg_store_exec(st, "ROLLBACK");
	return -1;
}

bool st_retention_run(struct vg_store *st, struct st_retention *r, uint64_t now)
{
	bool deleted = false;
	int64_t n;

	for (int i = 0; r->max_age_ns && i < ROUNDS && (n = chunk(st, r, now, false)) > 0; i++)
		deleted = true;
	for (int i = 0; r->max_bytes && i < ROUNDS && st_store_used_bytes(st) > r->max_bytes; i++) {
		if ((n = chunk(st, r, now, true)) <= 0)
			break;
		deleted = true;
	}
	return deleted;
}

/* incident.c — reading incidents and their alerts (incident.h). */
#include <stdlib.h>
#include <string.h>
#include "incident/incident.h"
#include "store/internal.h"

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

/* A JSON array of strings as a C array (the store wrote it; json_each reads it). */
static char **strings_of(struct vg_store *st, const char *json, int *n)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT value FROM json_each(?)");
	char **out = NULL;
	int cap = 0;

	*n = 0;
	if (!s || !json || !*json)
		return NULL;
	sqlite3_bind_text(s, 1, json, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			out = realloc(out, (size_t)cap * sizeof(*out));
		}
		out[(*n)++] = dup(vg_col_text(s, 0));
	}
	sqlite3_reset(s);
	return out;
}

static int64_t *ids_of(struct vg_store *st, const char *sql, int64_t key, int *n)
{
	sqlite3_stmt *s = vg_sql(st, sql);
	int64_t *out = NULL;
	int cap = 0;

	*n = 0;
	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, key);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			out = realloc(out, (size_t)cap * sizeof(*out));
		}
		out[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	return out;
}

static void load_alerts(struct vg_store *st, struct vg_incident *inc)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT id, rule, desc, output, last_output, action, tags, priority, count,"
				     " killed, first, last, denied FROM alerts WHERE incident = ? ORDER BY first, id");
	char **tags = NULL; /* each alert's tags as JSON, split once the statement is done */
	int cap = 0;

	if (!s)
		return;
	sqlite3_bind_int64(s, 1, inc->id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct vg_incident_alert *a;

		if (inc->nalerts == cap) {
			cap = cap ? 2 * cap : 8;
			inc->alerts = realloc(inc->alerts, (size_t)cap * sizeof(*inc->alerts));
			tags = realloc(tags, (size_t)cap * sizeof(*tags));
		}
		tags[inc->nalerts] = dup(vg_col_text(s, 6));
		a = &inc->alerts[inc->nalerts++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(s, 0);
		a->rule = dup(vg_col_text(s, 1));
		a->desc = dup(vg_col_text(s, 2));
		a->output = dup(vg_col_text(s, 3));
		a->last_output = dup(vg_col_text(s, 4));
		a->action = dup(vg_col_text(s, 5));
		a->priority = sqlite3_column_int(s, 7);
		a->count = (uint64_t)sqlite3_column_int64(s, 8);
		a->killed = (uint64_t)sqlite3_column_int64(s, 9);
		a->denied = (uint64_t)sqlite3_column_int64(s, 12);
		a->first = (uint64_t)sqlite3_column_int64(s, 10);
		a->last = (uint64_t)sqlite3_column_int64(s, 11);
	}
	sqlite3_reset(s);
	for (int i = 0; i < inc->nalerts; i++) {
		struct vg_incident_alert *a = &inc->alerts[i];

		a->tags = strings_of(st, tags[i], &a->ntags);
		free(tags[i]);
		a->evidence = ids_of(st, "SELECT event FROM alert_events WHERE alert = ? ORDER BY occurrence, event", a->id,
				     &a->nevidence);
		a->procs = ids_of(st, "SELECT proc FROM alert_procs WHERE alert = ? ORDER BY first, proc", a->id,
				  &a->nprocs);
	}
	free(tags);
}

static void load_facts(struct vg_store *st, struct vg_incident *inc)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT DISTINCT h.name FROM alerts a JOIN hosts h ON h.id = a.host"
				     " WHERE a.incident = ? ORDER BY h.name");
	int cap = 0;

	if (!s)
		return;
	sqlite3_bind_int64(s, 1, inc->id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (inc->nhosts == cap) {
			cap = cap ? 2 * cap : 4;
			inc->hosts = realloc(inc->hosts, (size_t)cap * sizeof(*inc->hosts));
		}
		inc->hosts[inc->nhosts++] = dup(vg_col_text(s, 0));
	}
	sqlite3_reset(s);
	s = vg_sql(st, "SELECT kind, key FROM incident_scopes WHERE incident = ? ORDER BY kind <> 'container',"
		       " kind <> 'session', kind <> 'tree', key");
	cap = 0;
	if (!s)
		return;
	sqlite3_bind_int64(s, 1, inc->id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (inc->nscopes == cap) {
			cap = cap ? 2 * cap : 8;
			inc->scopes = realloc(inc->scopes, (size_t)cap * sizeof(*inc->scopes));
		}
		inc->scopes[inc->nscopes].kind = dup(vg_col_text(s, 0));
		inc->scopes[inc->nscopes].key = dup(vg_col_text(s, 1));
		inc->nscopes++;
	}
	sqlite3_reset(s);
}

#define INCIDENT_COLUMNS "id, score, priority, tactics, first, last, count"

static void from_row(sqlite3_stmt *s, struct vg_incident *inc, uint64_t cutoff)
{
	memset(inc, 0, sizeof(*inc));
	inc->id = sqlite3_column_int64(s, 0);
	inc->score = sqlite3_column_double(s, 1);
	inc->priority = sqlite3_column_int(s, 2);
	inc->tactics = (uint32_t)sqlite3_column_int64(s, 3);
	inc->first = (uint64_t)sqlite3_column_int64(s, 4);
	inc->last = (uint64_t)sqlite3_column_int64(s, 5);
	inc->count = (uint64_t)sqlite3_column_int64(s, 6);
	inc->open = inc->last >= cutoff;
}

static uint64_t open_cutoff(struct vg_store *st)
{
	uint64_t now = vg_store_now_ns(), window = vg_store_window_ns(st);

	return now > window ? now - window : 0;
}

int vg_incident_load(struct vg_store *st, int64_t id, struct vg_incident *out)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = ?");
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		from_row(s, out, open_cutoff(st));
		rc = 0;
	}
	sqlite3_reset(s);
	if (rc == 0) {
		load_alerts(st, out);
		load_facts(st, out);
	}
	return rc;
}

int vg_incidents_load(struct vg_store *st, bool all, int limit, const char *host, struct vg_incident **out, int *n)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE last >= ?1"
				     " AND (?3 IS NULL OR id IN (SELECT a.incident FROM alerts a JOIN hosts h ON h.id = a.host"
				     " WHERE h.name = ?3 OR h.host_id = ?3)) ORDER BY score DESC, last DESC LIMIT ?2");
	uint64_t cutoff = open_cutoff(st);
	int cap = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, all ? 0 : (int64_t)cutoff);
	sqlite3_bind_int(s, 2, limit > 0 ? limit : -1);
	vg_bind_text(s, 3, host);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = realloc(*out, (size_t)cap * sizeof(**out));
		}
		from_row(s, &(*out)[(*n)++], cutoff);
	}
	sqlite3_reset(s);
	for (int i = 0; i < *n; i++) {
		load_alerts(st, &(*out)[i]);
		load_facts(st, &(*out)[i]);
	}
	return 0;
}

int64_t vg_incident_of_alert(struct vg_store *st, int64_t alert)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT incident FROM alerts WHERE id = ?");
	int64_t id = 0;

	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, alert);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

static void free_strings(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void vg_incident_free(struct vg_incident *inc)
{
	for (int i = 0; i < inc->nalerts; i++) {
		struct vg_incident_alert *a = &inc->alerts[i];

		free(a->rule);
		free(a->desc);
		free(a->output);
		free(a->last_output);
		free(a->action);
		free_strings(a->tags, a->ntags);
		free(a->evidence);
		free(a->procs);
	}
	free(inc->alerts);
	free_strings(inc->hosts, inc->nhosts);
	for (int i = 0; i < inc->nscopes; i++) {
		free(inc->scopes[i].kind);
		free(inc->scopes[i].key);
	}
	free(inc->scopes);
	memset(inc, 0, sizeof(*inc));
}

void vg_incidents_free(struct vg_incident *incs, int n)
{
	for (int i = 0; i < n; i++)
		vg_incident_free(&incs[i]);
	free(incs);
}

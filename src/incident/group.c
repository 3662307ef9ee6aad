/* group.c — filing an alert into its incident: scope, links, coalescing, score
 * (incident.h says the rules). Every lookup is an indexed one: scopes by (kind, key),
 * processes by (host, exec_id), files' writers by events(file, wrote). */
#include <stdio.h>
#include <string.h>
#include "incident/incident.h"
#include "incident/lateral.h"
#include "incident/tactics.h"
#include "store/internal.h"

struct scope {
	const char *kind;
	char key[160];
};

/* What filing needs of a process row. */
struct proc_facts {
	int64_t id, host;
	char exec_id[64], session[64], tree[64], container[80], ssh[128];
	char lineage[1200]; /* JSON array: the process's exec_id, then its ancestors' */
};

static int load_proc(struct vg_store *st, int64_t id, struct proc_facts *f)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT host, exec_id, session, tree, container, ancestry, ssh FROM procs WHERE id = ?");
	const char *anc;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		f->id = id;
		f->host = sqlite3_column_int64(s, 0);
		snprintf(f->exec_id, sizeof(f->exec_id), "%s", vg_col_text(s, 1));
		snprintf(f->session, sizeof(f->session), "%s", vg_col_text(s, 2));
		snprintf(f->tree, sizeof(f->tree), "%s", vg_col_text(s, 3));
		snprintf(f->container, sizeof(f->container), "%s", vg_col_text(s, 4));
		snprintf(f->ssh, sizeof(f->ssh), "%s", vg_col_text(s, 6));
		anc = vg_col_text(s, 5);
		if (anc[0] == '[' && anc[1] != ']')
			snprintf(f->lineage, sizeof(f->lineage), "[\"%s\",%s", f->exec_id, anc + 1);
		else
			snprintf(f->lineage, sizeof(f->lineage), "[\"%s\"]", f->exec_id);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* A process's own scope: its container, else its session, else its tree. */
static void own_scope(const struct proc_facts *f, struct scope *out)
{
	if (f->container[0]) {
		out->kind = "container";
		snprintf(out->key, sizeof(out->key), "%s", f->container);
	} else if (f->session[0]) {
		out->kind = "session";
		snprintf(out->key, sizeof(out->key), "%lld:%s", (long long)f->host, f->session);
	} else {
		out->kind = "tree";
		snprintf(out->key, sizeof(out->key), "%lld:%s", (long long)f->host, f->tree[0] ? f->tree : f->exec_id);
	}
}

/* The oldest open incident holding (kind, key), or 0. */
static int64_t open_with(struct vg_store *st, const char *kind, const char *key, uint64_t cutoff)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT i.id FROM incident_scopes s JOIN incidents i ON i.id = s.incident "
				     "WHERE s.kind = ? AND s.key = ? AND i.last >= ? ORDER BY i.first LIMIT 1");
	int64_t id = 0;

	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)cutoff);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/* Link 2: an open incident in which one of the lineage's processes alerted. */
static int64_t by_alerting_ancestor(struct vg_store *st, const struct proc_facts *f, uint64_t cutoff)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT value FROM json_each(?)");
	int64_t id = 0;

	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, f->lineage, -1, SQLITE_STATIC);
	while (!id && sqlite3_step(s) == SQLITE_ROW) {
		char key[160];

		snprintf(key, sizeof(key), "%lld:%s", (long long)f->host, vg_col_text(s, 0));
		id = open_with(st, "proc", key, cutoff);
	}
	sqlite3_reset(s);
	return id;
}

/* The open incident a process is in: by its own scope, or as an alerting process; 0. */
static int64_t open_of_proc(struct vg_store *st, int64_t proc, uint64_t cutoff)
{
	struct proc_facts w;
	struct scope sc;
	char key[160];
	int64_t id;

	if (load_proc(st, proc, &w) < 0)
		return 0;
	own_scope(&w, &sc);
	if ((id = open_with(st, sc.kind, sc.key, cutoff)))
		return id;
	snprintf(key, sizeof(key), "%lld:%s", (long long)w.host, w.exec_id);
	return open_with(st, "proc", key, cutoff);
}

/* Link 3: the processes that wrote (created, wrote, renamed or linked into place,
 * chmodded) a file the lineage executed, or gave as its script (its first argument that
 * is not an option, when absolute), up to ts; the first whose scope, or itself as an
 * alerting process, is in an open incident. CROSS JOIN keeps the few files the lineage ran
 * as the outer loop, looked up in events(file, wrote): left to itself the planner walks
 * events_proc for `proc IS NOT NULL`, every event in the store once per alert. ORDER BY
 * keeps the writers in the order that walk gave them (by procs.id). */
static int64_t by_written_file(struct vg_store *st, const struct proc_facts *f, uint64_t ts, uint64_t cutoff)
{
	sqlite3_stmt *s = vg_sql(st,
		"WITH lineage(exe_file, argv) AS ("
		"  SELECT exe_file, argv FROM procs WHERE host = ?1 AND exec_id IN (SELECT value FROM json_each(?2))),"
		" ran(file) AS ("
		"  SELECT exe_file FROM lineage WHERE exe_file IS NOT NULL"
		"  UNION SELECT n.file FROM lineage l, file_names n"
		"   WHERE n.path = (SELECT value FROM json_each(l.argv) WHERE key >= 1"
		"    AND substr(value, 1, 1) NOT IN ('-', '+') ORDER BY key LIMIT 1)"
		"   AND substr(n.path, 1, 1) = '/' AND n.host = ?1 AND n.first <= ?3)"
		" SELECT DISTINCT e.proc FROM ran CROSS JOIN events e ON e.file = ran.file AND e.wrote = 1"
		" WHERE e.ts <= ?3 AND e.ts >= ?4 AND e.proc IS NOT NULL AND e.proc <> ?5 ORDER BY e.proc LIMIT 64");
	int64_t id = 0;

	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, f->host);
	sqlite3_bind_text(s, 2, f->lineage, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)ts);
	sqlite3_bind_int64(s, 4, (int64_t)cutoff);
	sqlite3_bind_int64(s, 5, f->id);
	while (!id && sqlite3_step(s) == SQLITE_ROW)
		id = open_of_proc(st, sqlite3_column_int64(s, 0), cutoff);
	sqlite3_reset(s);
	return id;
}

struct peer_search {
	struct vg_store *st;
	uint64_t cutoff;
	int64_t found;
};

static int peer_incident(int64_t proc, int64_t event, void *ctx)
{
	struct peer_search *p = ctx;

	p->found = open_of_proc(p->st, proc, p->cutoff);
	return p->found != 0;
}

/* Link 4: the other end, on another host, of a connection the lineage made or accepted
 * (up to its tree: the listener a service hangs from accepted everyone's connections),
 * or of the ssh connection its session came in by, when that end's process is in an open
 * incident (lateral.h): the client on host A that reached this server or session on
 * host B, or the server on B this client reached. */
static int64_t by_connection(struct vg_store *st, const struct proc_facts *f, uint64_t ts, uint64_t cutoff)
{
	sqlite3_stmt *s = vg_sql(st,
		"WITH l AS (SELECT key, value FROM json_each(?2)),"
		" cut AS (SELECT coalesce((SELECT min(key) FROM l WHERE value = ?3), 1000000) AS k)"
		" SELECT e.id FROM l, cut JOIN procs p ON p.host = ?1 AND p.exec_id = l.value"
		" JOIN events e ON e.proc = p.id WHERE l.key <= cut.k AND e.type IN ('connect', 'accept')"
		" AND e.flow IS NOT NULL AND e.ts BETWEEN ?4 AND ?5 ORDER BY e.ts DESC LIMIT 64");
	struct peer_search p = { st, cutoff, 0 };
	struct vg_conn_end end;
	uint64_t at;

	if (!s)
		return 0;
	if (vg_conn_end_from_ssh(f->ssh, f->host, &end) &&
	    vg_lateral_peers(st, &end, cutoff, ts + VG_LATERAL_SKEW_NS, peer_incident, &p) < 0)
		return 0;
	sqlite3_bind_int64(s, 1, f->host);
	sqlite3_bind_text(s, 2, f->lineage, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->tree[0] ? f->tree : f->exec_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (int64_t)cutoff);
	sqlite3_bind_int64(s, 5, (int64_t)ts);
	while (!p.found && sqlite3_step(s) == SQLITE_ROW)
		if (vg_conn_end_of_event(st, sqlite3_column_int64(s, 0), &end, &at) &&
		    vg_lateral_peers(st, &end, at > VG_LATERAL_SKEW_NS ? at - VG_LATERAL_SKEW_NS : 0,
				     at + VG_LATERAL_SKEW_NS, peer_incident, &p) < 0)
			break;
	sqlite3_reset(s);
	return p.found;
}

static int64_t new_incident(struct vg_store *st, const struct vg_alert_in *a)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO incidents(first, last, priority) VALUES(?1, ?1, ?2) RETURNING id");
	int64_t id = 0;

	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, (int64_t)a->ts);
	sqlite3_bind_int(s, 2, a->priority);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

static int add_scope(struct vg_store *st, int64_t incident, const char *kind, const char *key)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT OR IGNORE INTO incident_scopes(kind, key, incident) VALUES(?, ?, ?)");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, incident);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* The alert row of (incident, rule): created, or counted once more. Returns its
 * occurrence number (1 for a new row), 0 on error. */
static int64_t coalesce(struct vg_store *st, int64_t incident, const struct vg_alert_in *a, int64_t *alert)
{
	sqlite3_stmt *s = vg_sql(st,
		"INSERT INTO alerts(incident, host, rule, priority, tags, desc, output, last_output, action, killed,"
		" denied, count, first, last, proc) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?12, 1, ?10, ?10, ?11)"
		" ON CONFLICT(incident, rule) DO UPDATE SET count = count + 1, first = min(first, excluded.first),"
		" last = max(last, excluded.last), last_output = excluded.output, killed = killed + excluded.killed,"
		" denied = denied + excluded.denied"
		" RETURNING id, count");
	int64_t n = 0;

	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, incident);
	sqlite3_bind_int64(s, 2, a->host);
	vg_bind_text(s, 3, a->rule);
	sqlite3_bind_int(s, 4, a->priority);
	vg_bind_text(s, 5, a->tags_json);
	vg_bind_text(s, 6, a->desc);
	vg_bind_text(s, 7, a->output);
	vg_bind_text(s, 8, a->action ? a->action : "alert");
	sqlite3_bind_int(s, 9, a->killed);
	sqlite3_bind_int(s, 12, a->denied);
	sqlite3_bind_int64(s, 10, (int64_t)a->ts);
	sqlite3_bind_int64(s, 11, a->proc);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*alert = sqlite3_column_int64(s, 0);
		n = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return n;
}

static int add_evidence(struct vg_store *st, int64_t alert, int64_t occurrence, const struct vg_alert_in *a)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT OR IGNORE INTO alert_events(alert, event, occurrence) VALUES(?, ?, ?)");

	if (!s)
		return -1;
	for (int i = 0; i < a->nevidence; i++) {
		sqlite3_bind_int64(s, 1, alert);
		sqlite3_bind_int64(s, 2, a->evidence[i]);
		sqlite3_bind_int64(s, 3, occurrence);
		if (sqlite3_step(s) != SQLITE_DONE) {
			sqlite3_reset(s);
			return -1;
		}
		sqlite3_reset(s);
	}
	return 0;
}

static int add_proc(struct vg_store *st, int64_t alert, const struct vg_alert_in *a)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO alert_procs(alert, proc, count, first, last) VALUES(?1, ?2, 1, ?3, ?3)"
				     " ON CONFLICT(alert, proc) DO UPDATE SET count = count + 1, last = max(last, excluded.last)");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, alert);
	sqlite3_bind_int64(s, 2, a->proc);
	sqlite3_bind_int64(s, 3, (int64_t)a->ts);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(s);
	return rc;
}

/* Runs s (bound by the caller, an UPDATE of incident `incident` RETURNING priority,
 * tactics, rules, count), then sets the incident's score from what it returned. */
static int rescore(struct vg_store *st, int64_t incident, sqlite3_stmt *s)
{
	sqlite3_stmt *u;
	double score = 0;
	int rc = -1;

	if (sqlite3_step(s) == SQLITE_ROW) {
		score = vg_incident_score(sqlite3_column_int(s, 0), (uint32_t)sqlite3_column_int64(s, 1),
					  sqlite3_column_int(s, 2), (uint64_t)sqlite3_column_int64(s, 3));
		rc = 0;
	}
	sqlite3_reset(s);
	if (rc < 0 || !(u = vg_sql(st, "UPDATE incidents SET score = ? WHERE id = ?")))
		return -1;
	sqlite3_bind_double(u, 1, score);
	sqlite3_bind_int64(u, 2, incident);
	rc = sqlite3_step(u) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(u);
	return rc;
}

/* The incident's times, counts, priority, tactics and score after one more alert. */
static int account(struct vg_store *st, int64_t incident, const struct vg_alert_in *a, bool new_rule)
{
	sqlite3_stmt *s = vg_sql(st, "UPDATE incidents SET first = min(first, ?2), last = max(last, ?2),"
				     " count = count + 1, priority = min(priority, ?3), tactics = tactics | ?4,"
				     " rules = rules + ?5 WHERE id = ?1 RETURNING priority, tactics, rules, count");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, incident);
	sqlite3_bind_int64(s, 2, (int64_t)a->ts);
	sqlite3_bind_int(s, 3, a->priority);
	sqlite3_bind_int64(s, 4, a->tactics);
	sqlite3_bind_int(s, 5, new_rule);
	return rescore(st, incident, s);
}

/* Incident `gone` becomes part of `keep`: an alert that links two open incidents shows
 * they were one attack all along. The same rule in both becomes one alert (counts summed,
 * evidence and processes joined); scopes, times, tactics and score follow. */
static int merge(struct vg_store *st, int64_t keep, int64_t gone)
{
	static const char *const steps[] = {
		/* rules in both: into keep's alert row */
		"INSERT OR IGNORE INTO alert_events(alert, event, occurrence)"
		" SELECT k.id, e.event, e.occurrence FROM alert_events e JOIN alerts g ON g.id = e.alert"
		" JOIN alerts k ON k.incident = ?1 AND k.rule = g.rule WHERE g.incident = ?2",
		"INSERT INTO alert_procs(alert, proc, count, first, last)"
		" SELECT k.id, p.proc, p.count, p.first, p.last FROM alert_procs p JOIN alerts g ON g.id = p.alert"
		" JOIN alerts k ON k.incident = ?1 AND k.rule = g.rule WHERE g.incident = ?2 AND true"
		" ON CONFLICT(alert, proc) DO UPDATE SET count = count + excluded.count,"
		" first = min(first, excluded.first), last = max(last, excluded.last)",
		"UPDATE alerts AS k SET count = k.count + g.count, first = min(k.first, g.first),"
		" last = max(k.last, g.last), killed = k.killed + g.killed, denied = k.denied + g.denied"
		" FROM alerts AS g WHERE k.incident = ?1 AND g.incident = ?2 AND g.rule = k.rule",
		"DELETE FROM alert_events WHERE alert IN (SELECT g.id FROM alerts g JOIN alerts k"
		" ON k.incident = ?1 AND k.rule = g.rule WHERE g.incident = ?2)",
		"DELETE FROM alert_procs WHERE alert IN (SELECT g.id FROM alerts g JOIN alerts k"
		" ON k.incident = ?1 AND k.rule = g.rule WHERE g.incident = ?2)",
		"DELETE FROM alerts WHERE incident = ?2 AND rule IN (SELECT rule FROM alerts WHERE incident = ?1)",
		/* the rest moves as it is */
		"UPDATE alerts SET incident = ?1 WHERE incident = ?2",
		"INSERT OR IGNORE INTO incident_scopes(kind, key, incident)"
		" SELECT kind, key, ?1 FROM incident_scopes WHERE incident = ?2",
		"DELETE FROM incident_scopes WHERE incident = ?2",
	};
	sqlite3_stmt *s;
	int rc;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (!(s = vg_sql(st, steps[i])))
			return -1;
		sqlite3_bind_int64(s, 1, keep);
		sqlite3_bind_int64(s, 2, gone);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE)
			return -1;
	}
	s = vg_sql(st, "UPDATE incidents AS k SET first = min(k.first, g.first), last = max(k.last, g.last),"
		       " count = k.count + g.count, priority = min(k.priority, g.priority), tactics = k.tactics | g.tactics,"
		       " rules = (SELECT count(*) FROM alerts WHERE incident = ?1)"
		       " FROM incidents AS g WHERE k.id = ?1 AND g.id = ?2 RETURNING priority, tactics, rules, count");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, keep);
	sqlite3_bind_int64(s, 2, gone);
	if (rescore(st, keep, s) < 0 || !(s = vg_sql(st, "DELETE FROM incidents WHERE id = ?")))
		return -1;
	sqlite3_bind_int64(s, 1, gone);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Of two incidents (0 for none), the one that began first. */
static int64_t older(struct vg_store *st, int64_t a, int64_t b)
{
	sqlite3_stmt *s;
	int64_t id = a;

	if (!a || !b || a == b)
		return a ? a : b;
	if (!(s = vg_sql(st, "SELECT id FROM incidents WHERE id IN (?, ?) ORDER BY first, id LIMIT 1")))
		return a;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

int vg_incident_file(struct vg_store *st, const struct vg_alert_in *a, int64_t *incident, int64_t *alert)
{
	uint64_t window = vg_store_window_ns(st);
	uint64_t cutoff = a->ts > window ? a->ts - window : 0;
	struct proc_facts f;
	struct scope own;
	char self[160];
	int64_t id, n, links[4];

	if (load_proc(st, a->proc, &f) < 0)
		return -1;
	own_scope(&f, &own);
	snprintf(self, sizeof(self), "%lld:%s", (long long)f.host, f.exec_id);
	/* every link the alert has: when they lead to different open incidents, those are one */
	links[0] = open_with(st, own.kind, own.key, cutoff);
	links[1] = by_alerting_ancestor(st, &f, cutoff);
	links[2] = by_written_file(st, &f, a->ts, cutoff);
	links[3] = by_connection(st, &f, a->ts, cutoff);
	id = older(st, older(st, older(st, links[0], links[1]), links[2]), links[3]);
	for (int i = 0; i < 4; i++) {
		int64_t gone = links[i];

		if (!gone || gone == id)
			continue;
		if (merge(st, id, gone) < 0)
			return -1;
		for (int j = i; j < 4; j++) /* the same incident found by another link */
			if (links[j] == gone)
				links[j] = id;
	}
	if (!id && !(id = new_incident(st, a)))
		return -1;
	if (add_scope(st, id, own.kind, own.key) < 0 || add_scope(st, id, "proc", self) < 0)
		return -1;
	n = coalesce(st, id, a, alert);
	if (n <= 0)
		return -1;
	if ((n <= VG_ALERT_EVIDENCE_MAX && add_evidence(st, *alert, n, a) < 0) || add_proc(st, *alert, a) < 0 ||
	    account(st, id, a, n == 1) < 0)
		return -1;
	*incident = id;
	return 0;
}

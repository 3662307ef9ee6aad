/* query.c — the analyst's questions (query.h). Each question first names the rows it is
 * about (processes, files or flows) in a temporary table, then takes their events through
 * the events table's indexes; nothing scans a whole table. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "output/json.h"
#include "output/text.h"
#include "rules/rules.h"
#include "store/internal.h"
#include "store/query.h"
#include "store/retention.h"

const char *const vg_persistence_globs[] = {
	"/etc/crontab", "/etc/anacrontab", "/etc/cron.*", "/var/spool/cron/*", "/var/spool/at/*",
	"/etc/systemd/system/*", "/etc/systemd/user/*", "/lib/systemd/system/*", "/usr/lib/systemd/system/*",
	"/root/.config/systemd/user/*", "/home/*/.config/systemd/user/*", "/etc/init.d/*", "/etc/rc.local",
	"/etc/rc[0-6S].d/*", "/etc/profile", "/etc/profile.d/*", "/etc/bash.bashrc", "/etc/environment",
	"/root/.bashrc", "/root/.profile", "/root/.bash_profile", "/root/.zshrc", "/home/*/.bashrc",
	"/home/*/.profile", "/home/*/.bash_profile", "/home/*/.zshrc", "/root/.ssh/authorized_keys*",
	"/home/*/.ssh/authorized_keys*", "/etc/ssh/authorized_keys*", "/etc/ld.so.preload", "/etc/ld.so.conf",
	"/etc/ld.so.conf.d/*", "/etc/pam.conf", "/etc/pam.d/*", "/etc/passwd", "/etc/shadow", "/etc/group",
	"/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/*", "/etc/update-motd.d/*", "/etc/xdg/autostart/*",
	"/root/.config/autostart/*", "/home/*/.config/autostart/*", "/etc/udev/rules.d/*", "/etc/modules",
	"/etc/modules-load.d/*", "/etc/apt/apt.conf.d/*", "/etc/NetworkManager/dispatcher.d/*", NULL,
};

#define EVENT_COLUMNS                                                                                  \
	"e.id, e.ts, e.cpu, e.seq, e.type, e.ret, e.fields, h.name, p.id, p.pid, p.ppid, p.sid, p.uid,"    \
	" p.euid, p.user, p.comm, p.exe, p.argv, p.cwd, p.tty, p.exec_id, p.parent_exec_id, p.session,"    \
	" p.container"
#define EVENT_FROM " FROM events e JOIN hosts h ON h.id = e.host LEFT JOIN procs p ON p.id = e.proc "

#define PROC_COLUMNS                                                                                   \
	"p.id, p.pid, p.ppid, p.sid, p.uid, p.euid, p.user, p.comm, p.exe, p.argv, p.cwd, p.tty, p.exec_id," \
	" p.parent_exec_id, p.session, p.container, p.kind, p.prev_exec_id, p.tree, p.ssh, p.started,"      \
	" p.exec_time, p.exited, p.exit_code, p.ancestry, h.name"

static void member_str(struct vg_buf *b, const char *k, const char *v)
{
	vg_buf_printf(b, ",\"%s\":", k);
	vg_json_cstr(b, v && *v ? v : NULL);
}

static void member_raw(struct vg_buf *b, const char *k, const char *json)
{
	vg_buf_printf(b, ",\"%s\":%s", k, json && *json ? json : "null");
}

static void member_time(struct vg_buf *b, const char *k, sqlite3_stmt *s, int col)
{
	vg_buf_printf(b, ",\"%s\":", k);
	if (sqlite3_column_type(s, col) == SQLITE_NULL)
		vg_buf_puts(b, "null");
	else
		vg_json_time(b, (uint64_t)sqlite3_column_int64(s, col));
}

/* The process columns starting at col (EVENT_COLUMNS' p.id ... p.container). */
static void proc_json(struct vg_buf *b, sqlite3_stmt *s, int col)
{
	vg_buf_printf(b, "{\"row\":%lld,\"pid\":%d,\"ppid\":%d,\"sid\":%d,\"uid\":%lld,\"euid\":%lld",
		      (long long)sqlite3_column_int64(s, col), sqlite3_column_int(s, col + 1),
		      sqlite3_column_int(s, col + 2), sqlite3_column_int(s, col + 3),
		      (long long)sqlite3_column_int64(s, col + 4), (long long)sqlite3_column_int64(s, col + 5));
	member_str(b, "user", vg_col_text(s, col + 6));
	member_str(b, "comm", vg_col_text(s, col + 7));
	member_str(b, "exe", vg_col_text(s, col + 8));
	member_raw(b, "argv", vg_col_text(s, col + 9));
	member_str(b, "cwd", vg_col_text(s, col + 10));
	member_str(b, "tty", vg_col_text(s, col + 11));
	member_str(b, "exec_id", vg_col_text(s, col + 12));
	member_str(b, "parent_exec_id", vg_col_text(s, col + 13));
	member_str(b, "session", vg_col_text(s, col + 14));
	member_str(b, "container", vg_col_text(s, col + 15));
}

/* An event row (EVENT_COLUMNS) as `vigil run` prints events, with its row id. */
static void event_json(struct vg_buf *b, sqlite3_stmt *s)
{
	const char *fields = vg_col_text(s, 6);

	vg_buf_printf(b, "{\"kind\":\"event\",\"id\":%lld,\"ts\":", (long long)sqlite3_column_int64(s, 0));
	vg_json_time(b, (uint64_t)sqlite3_column_int64(s, 1));
	vg_buf_printf(b, ",\"seq\":%lld,\"cpu\":%d,\"event\":", (long long)sqlite3_column_int64(s, 3),
		      sqlite3_column_int(s, 2));
	vg_json_cstr(b, vg_col_text(s, 4));
	member_str(b, "host", vg_col_text(s, 7));
	vg_buf_printf(b, ",\"ret\":%d,\"proc\":", sqlite3_column_int(s, 5));
	if (sqlite3_column_type(s, 8) == SQLITE_NULL)
		vg_buf_puts(b, "null");
	else {
		proc_json(b, s, 8);
		vg_buf_putc(b, '}');
	}
	/* the stored fields object, its members spliced in */
	if (fields[0] == '{' && fields[1] && fields[1] != '}') {
		vg_buf_putc(b, ',');
		vg_buf_put(b, fields + 1, strlen(fields) - 2);
	}
	vg_buf_putc(b, '}');
}

static void put_text(FILE *out, const char *s)
{
	struct vg_buf b = { 0 };

	vg_text_str(&b, s, strlen(s), true);
	fwrite(b.p ? b.p : "", 1, b.len, out);
	vg_buf_free(&b);
}

static void stamp(char *out, size_t len, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char s[40];

	gmtime_r(&secs, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%06lluZ", s, (unsigned long long)(ns % 1000000000ull / 1000));
}

static void event_text(FILE *out, sqlite3_stmt *s)
{
	char when[48];

	stamp(when, sizeof(when), (uint64_t)sqlite3_column_int64(s, 1));
	fprintf(out, "%s %-8lld %-12s pid=%-7d ", when, (long long)sqlite3_column_int64(s, 0), vg_col_text(s, 4),
		sqlite3_column_int(s, 9));
	put_text(out, vg_col_text(s, 15));
	fputs(" exe=", out);
	put_text(out, vg_col_text(s, 16));
	fprintf(out, " ret=%d ", sqlite3_column_int(s, 5));
	put_text(out, vg_col_text(s, 6));
	fputc('\n', out);
}

int vg_store_event_json(struct vg_store *st, int64_t id, struct vg_buf *b)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT " EVENT_COLUMNS EVENT_FROM "WHERE e.id = ?");
	int rc = -1;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		event_json(b, s);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* The events of one process, file or flow row between since and until (the node panel
 * of the UI). */
int vg_store_row_events_json(struct vg_store *st, char kind, int64_t row, uint64_t since, uint64_t until, int limit,
			     struct vg_buf *b)
{
	static const char by_proc[] = "SELECT " EVENT_COLUMNS EVENT_FROM
				      "WHERE e.proc = ?1 AND e.ts BETWEEN ?2 AND ?3 ORDER BY e.ts, e.id LIMIT ?4";
	static const char by_file[] = "SELECT " EVENT_COLUMNS EVENT_FROM "WHERE (e.file = ?1 OR e.file2 = ?1)"
				      " AND e.ts BETWEEN ?2 AND ?3 ORDER BY e.ts, e.id LIMIT ?4";
	static const char by_flow[] = "SELECT " EVENT_COLUMNS EVENT_FROM
				      "WHERE e.flow = ?1 AND e.ts BETWEEN ?2 AND ?3 ORDER BY e.ts, e.id LIMIT ?4";
	sqlite3_stmt *s = vg_sql(st, kind == 'p' ? by_proc : kind == 'f' ? by_file : by_flow);
	int n = 0;

	if (!s || (kind != 'p' && kind != 'f' && kind != 'n'))
		return -1;
	sqlite3_bind_int64(s, 1, row);
	sqlite3_bind_int64(s, 2, (int64_t)since);
	sqlite3_bind_int64(s, 3, until ? (int64_t)until : INT64_MAX);
	sqlite3_bind_int(s, 4, limit + 1);
	vg_buf_puts(b, "{\"events\":[");
	while (sqlite3_step(s) == SQLITE_ROW && ++n <= limit) {
		if (n > 1)
			vg_buf_putc(b, ',');
		event_json(b, s);
	}
	sqlite3_reset(s);
	vg_buf_printf(b, "],\"truncated\":%s}", n > limit ? "true" : "false");
	return 0;
}

/* ---- the answer ------------------------------------------------------------------------ */

struct answer {
	struct vg_store *st;
	const struct vg_query *q;
	FILE *out;
	struct vg_buf b;
	bool any; /* a member was written in the current JSON array */
};

static void flush_buf(struct answer *a)
{
	fwrite(a->b.p ? a->b.p : "", 1, a->b.len, a->out);
	vg_buf_reset(&a->b);
}

static void section(struct answer *a, const char *name)
{
	if (a->q->json)
		vg_buf_printf(&a->b, ",\"%s\":[", name);
	else
		fprintf(a->out, "%s%s\n", a->any ? "\n" : "", name);
	a->any = false;
}

static void section_end(struct answer *a)
{
	if (a->q->json)
		vg_buf_putc(&a->b, ']');
	flush_buf(a);
	a->any = true;
}

static void item_sep(struct answer *a)
{
	if (a->q->json && a->any)
		vg_buf_putc(&a->b, ',');
	a->any = true;
}

static void proc_row_json(struct vg_buf *b, sqlite3_stmt *s)
{
	proc_json(b, s, 0);
	member_str(b, "host", vg_col_text(s, 25));
	member_str(b, "image", vg_col_text(s, 16));
	member_str(b, "prev_exec_id", vg_col_text(s, 17));
	member_str(b, "tree", vg_col_text(s, 18));
	member_str(b, "ssh", vg_col_text(s, 19));
	member_time(b, "started", s, 20);
	member_time(b, "exec_time", s, 21);
	member_time(b, "exited", s, 22);
	if (sqlite3_column_type(s, 22) != SQLITE_NULL)
		vg_buf_printf(b, ",\"exit_code\":%d", sqlite3_column_int(s, 23));
	member_raw(b, "ancestry", vg_col_text(s, 24));
	vg_buf_putc(b, '}');
}

static void proc_row_text(FILE *out, sqlite3_stmt *s)
{
	char when[48];

	stamp(when, sizeof(when), (uint64_t)sqlite3_column_int64(s, 21));
	fprintf(out, "  %s %-5s pid=%-7d ppid=%-7d uid=%-5lld exec_id=%s parent=%s ", when, vg_col_text(s, 16),
		sqlite3_column_int(s, 1), sqlite3_column_int(s, 2), (long long)sqlite3_column_int64(s, 4),
		vg_col_text(s, 12), vg_col_text(s, 13));
	put_text(out, vg_col_text(s, 9));
	fputc('\n', out);
}

int vg_store_event_context_json(struct vg_store *st, int64_t id, struct vg_buf *b)
{
	sqlite3_stmt *anc = vg_sql(st, "SELECT " PROC_COLUMNS " FROM events e JOIN procs me ON me.id = e.proc,"
				       " json_each(me.ancestry) j JOIN procs p ON p.exec_id = j.value AND p.host = e.host"
				       " JOIN hosts h ON h.id = p.host WHERE e.id = ? ORDER BY j.key");
	sqlite3_stmt *al = vg_sql(st, "SELECT a.id, a.incident, a.rule, a.priority FROM alert_events ae"
				      " JOIN alerts a ON a.id = ae.alert WHERE ae.event = ? ORDER BY a.id");
	bool first = true;

	if (!anc || !al)
		return -1;
	vg_buf_puts(b, "{\"event\":");
	if (vg_store_event_json(st, id, b) < 0)
		return -1;
	vg_buf_puts(b, ",\"ancestors\":[");
	sqlite3_bind_int64(anc, 1, id);
	while (sqlite3_step(anc) == SQLITE_ROW) {
		if (!first)
			vg_buf_putc(b, ',');
		proc_row_json(b, anc);
		first = false;
	}
	sqlite3_reset(anc);
	vg_buf_puts(b, "],\"alerts\":[");
	first = true;
	sqlite3_bind_int64(al, 1, id);
	while (sqlite3_step(al) == SQLITE_ROW) {
		vg_buf_printf(b, "%s{\"id\":%lld,\"incident\":%lld,\"rule\":", first ? "" : ",",
			      (long long)sqlite3_column_int64(al, 0), (long long)sqlite3_column_int64(al, 1));
		vg_json_cstr(b, vg_col_text(al, 2));
		vg_buf_puts(b, ",\"priority\":");
		vg_json_cstr(b, vg_priority_name(sqlite3_column_int(al, 3)));
		vg_buf_putc(b, '}');
		first = false;
	}
	sqlite3_reset(al);
	vg_buf_puts(b, "]}");
	return 0;
}

/* The processes named in temp.q_procs. */
static void processes(struct answer *a)
{
	sqlite3_stmt *s = vg_sql(a->st, "SELECT " PROC_COLUMNS " FROM procs p JOIN hosts h ON h.id = p.host"
					" WHERE p.id IN (SELECT id FROM temp.q_procs) ORDER BY p.exec_time, p.id");

	section(a, "processes");
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		item_sep(a);
		if (a->q->json)
			proc_row_json(&a->b, s);
		else
			proc_row_text(a->out, s);
		if (a->b.len > 65536)
			flush_buf(a);
	}
	if (s)
		sqlite3_reset(s);
	section_end(a);
}

/* Events of the statement s (bound but for its last three: since, until, limit + 1); the
 * processes they name are added to temp.q_procs. */
static void events(struct answer *a, sqlite3_stmt *s, int first_param)
{
	sqlite3_stmt *add = vg_sql(a->st, "INSERT OR IGNORE INTO temp.q_procs(id) VALUES(?)");
	int n = 0;

	sqlite3_bind_int64(s, first_param, (int64_t)a->q->since);
	sqlite3_bind_int64(s, first_param + 1, a->q->until ? (int64_t)a->q->until : INT64_MAX);
	sqlite3_bind_int(s, first_param + 2, a->q->limit + 1);
	section(a, "events");
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (++n > a->q->limit)
			break;
		item_sep(a);
		if (a->q->json)
			event_json(&a->b, s);
		else
			event_text(a->out, s);
		if (a->b.len > 65536)
			flush_buf(a);
		if (add && sqlite3_column_type(s, 8) != SQLITE_NULL) {
			sqlite3_bind_int64(add, 1, sqlite3_column_int64(s, 8));
			sqlite3_step(add);
			sqlite3_reset(add);
		}
	}
	sqlite3_reset(s);
	section_end(a);
	if (a->q->json)
		vg_buf_printf(&a->b, ",\"truncated\":%s", n > a->q->limit ? "true" : "false");
	else if (n > a->q->limit)
		fprintf(a->out, "(more than %d events: narrow with --since/--until or raise --limit)\n", a->q->limit);
}

static int fill(struct vg_store *st, const char *sql, const char *arg)
{
	sqlite3_stmt *s = vg_sql(st, sql);
	int rc;

	if (!s)
		return -1;
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s) == SQLITE_DONE ? sqlite3_changes(st->db) : -1;
	sqlite3_reset(s);
	return rc;
}

static int q_tree(struct answer *a, char *err, size_t errlen)
{
	static const char tree[] =
		"INSERT OR IGNORE INTO temp.q_procs(id) WITH RECURSIVE sub(id, host, exec_id) AS ("
		" SELECT id, host, exec_id FROM procs WHERE exec_id = ?1"
		" UNION SELECT p.id, p.host, p.exec_id FROM sub JOIN procs p ON p.parent_exec_id = sub.exec_id AND p.host = sub.host"
		" UNION SELECT p.id, p.host, p.exec_id FROM sub JOIN procs p ON p.prev_exec_id = sub.exec_id AND p.host = sub.host"
		" LIMIT 100000) SELECT id FROM sub";
	sqlite3_stmt *s;

	if (fill(a->st, tree, a->q->arg) <= 0) {
		snprintf(err, errlen, "no process with exec_id %s in the store", a->q->arg);
		return -1;
	}
	s = vg_sql(a->st, "SELECT " EVENT_COLUMNS EVENT_FROM "WHERE e.proc IN (SELECT id FROM temp.q_procs)"
			  " AND e.ts BETWEEN ? AND ? ORDER BY e.ts, e.id LIMIT ?");
	if (!s)
		return -1;
	processes(a);
	events(a, s, 1);
	return 0;
}

static int q_session(struct answer *a, char *err, size_t errlen)
{
	static const char by_name[] = "INSERT OR IGNORE INTO temp.q_procs(id) SELECT id FROM procs WHERE session = ?1";
	/* a session id number: the most recent session whose leader had that pid */
	static const char by_sid[] =
		"INSERT OR IGNORE INTO temp.q_procs(id) SELECT id FROM procs WHERE session = (SELECT session FROM procs"
		" WHERE pid = CAST(?1 AS INTEGER) AND sid = pid AND session IS NOT NULL ORDER BY exec_time DESC LIMIT 1)";
	bool number = a->q->arg[0] && strspn(a->q->arg, "0123456789") == strlen(a->q->arg);
	sqlite3_stmt *s;

	if (fill(a->st, number ? by_sid : by_name, a->q->arg) <= 0) {
		snprintf(err, errlen, "no session %s in the store (a session is named like an exec_id: LEADER_START-SID, "
				      "or give the session id number)", a->q->arg);
		return -1;
	}
	s = vg_sql(a->st, "SELECT " EVENT_COLUMNS EVENT_FROM "WHERE e.proc IN (SELECT id FROM temp.q_procs)"
			  " AND e.ts BETWEEN ? AND ? ORDER BY e.ts, e.id LIMIT ?");
	if (!s)
		return -1;
	processes(a);
	events(a, s, 1);
	return 0;
}

static void files(struct answer *a)
{
	sqlite3_stmt *s = vg_sql(a->st, "SELECT f.id, (SELECT path FROM file_names WHERE file = f.id ORDER BY first DESC,"
					" id DESC LIMIT 1), f.dev, f.ino, f.first, (SELECT json_group_array("
					"json_object('path', n.path, 'first', n.first, 'gone', n.gone)) FROM file_names n"
					" WHERE n.file = f.id) FROM files f WHERE f.id IN (SELECT id FROM temp.q_files)"
					" ORDER BY f.first, f.id");

	section(a, "files");
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		item_sep(a);
		if (a->q->json) {
			vg_buf_printf(&a->b, "{\"row\":%lld", (long long)sqlite3_column_int64(s, 0));
			member_str(&a->b, "path", vg_col_text(s, 1));
			if (sqlite3_column_type(s, 3) != SQLITE_NULL)
				vg_buf_printf(&a->b, ",\"dev\":%lld,\"ino\":%lld", (long long)sqlite3_column_int64(s, 2),
					      (long long)sqlite3_column_int64(s, 3));
			member_time(&a->b, "first", s, 4);
			member_raw(&a->b, "names", vg_col_text(s, 5));
			vg_buf_putc(&a->b, '}');
		} else {
			fputs("  ", a->out);
			put_text(a->out, vg_col_text(s, 1));
			fprintf(a->out, " (file %lld) names: %s\n", (long long)sqlite3_column_int64(s, 0), vg_col_text(s, 5));
		}
	}
	if (s)
		sqlite3_reset(s);
	section_end(a);
}

static int q_file(struct answer *a, const char *pattern, char *err, size_t errlen)
{
	static const char exact[] = "INSERT OR IGNORE INTO temp.q_files(id) SELECT file FROM file_names WHERE path = ?1";
	static const char glob[] = "INSERT OR IGNORE INTO temp.q_files(id) SELECT file FROM file_names WHERE path GLOB ?1";
	int n = fill(a->st, strchr(pattern, '*') || strchr(pattern, '?') || strchr(pattern, '[') ? glob : exact, pattern);

	if (n < 0)
		return -1;
	if (n == 0 && a->q->arg) {
		snprintf(err, errlen, "no file named %s in the store", pattern);
		return -1;
	}
	return n;
}

static int file_events(struct answer *a, bool writes_only)
{
	static const char any[] =
		"SELECT " EVENT_COLUMNS EVENT_FROM "WHERE e.id IN (SELECT id FROM events WHERE file IN (SELECT id FROM temp.q_files)"
		" UNION SELECT id FROM events WHERE file2 IN (SELECT id FROM temp.q_files)) AND e.ts BETWEEN ? AND ?"
		" ORDER BY e.ts, e.id LIMIT ?";
	static const char writes[] =
		"SELECT " EVENT_COLUMNS EVENT_FROM "WHERE e.id IN (SELECT id FROM events WHERE file IN (SELECT id FROM temp.q_files)"
		" AND (wrote = 1 OR type IN ('unlink', 'chown', 'utimes'))) AND e.ts BETWEEN ? AND ?"
		" ORDER BY e.ts, e.id LIMIT ?";
	sqlite3_stmt *s = vg_sql(a->st, writes_only ? writes : any);

	if (!s)
		return -1;
	files(a);
	events(a, s, 1);
	processes(a);
	return 0;
}

static int q_flow(struct answer *a, char *err, size_t errlen)
{
	char addr[128];
	const char *colon;
	long port = -1;
	sqlite3_stmt *s, *f;
	int n;

	snprintf(addr, sizeof(addr), "%s", a->q->arg);
	if (addr[0] == '[') { /* [v6]:port */
		char *close = strchr(addr, ']');

		if (!close) {
			snprintf(err, errlen, "'%s': an IPv6 endpoint is [ADDR]:PORT", a->q->arg);
			return -1;
		}
		*close = 0;
		if (close[1] == ':')
			port = strtol(close + 2, NULL, 10);
		memmove(addr, addr + 1, strlen(addr));
	} else if ((colon = strrchr(addr, ':')) && strchr(addr, ':') == colon) {
		port = strtol(colon + 1, NULL, 10);
		addr[colon - addr] = 0;
	}
	if (!addr[0]) {
		snprintf(err, errlen, "'%s': give ADDR:PORT or ADDR", a->q->arg);
		return -1;
	}
	f = vg_sql(a->st, "INSERT OR IGNORE INTO temp.q_flows(id) SELECT id FROM flows WHERE (dip = ?1 AND (?2 < 0 OR dport = ?2))"
			  " UNION SELECT id FROM flows WHERE (sip = ?1 AND (?2 < 0 OR sport = ?2))");
	if (!f)
		return -1;
	sqlite3_bind_text(f, 1, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(f, 2, port);
	n = sqlite3_step(f) == SQLITE_DONE ? sqlite3_changes(a->st->db) : -1;
	sqlite3_reset(f);
	if (n <= 0) {
		snprintf(err, errlen, "no connection with %s in the store", a->q->arg);
		return -1;
	}
	s = vg_sql(a->st, "SELECT id, proto, sip, sport, dip, dport, first, last, count FROM flows"
			  " WHERE id IN (SELECT id FROM temp.q_flows) ORDER BY first");
	section(a, "flows");
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		item_sep(a);
		if (a->q->json) {
			vg_buf_printf(&a->b, "{\"row\":%lld", (long long)sqlite3_column_int64(s, 0));
			member_str(&a->b, "proto", vg_col_text(s, 1));
			member_str(&a->b, "sip", vg_col_text(s, 2));
			vg_buf_printf(&a->b, ",\"sport\":%d", sqlite3_column_int(s, 3));
			member_str(&a->b, "dip", vg_col_text(s, 4));
			vg_buf_printf(&a->b, ",\"dport\":%d", sqlite3_column_int(s, 5));
			member_time(&a->b, "first", s, 6);
			member_time(&a->b, "last", s, 7);
			vg_buf_printf(&a->b, ",\"count\":%lld}", (long long)sqlite3_column_int64(s, 8));
		} else {
			fprintf(a->out, "  %s %s:%d -> %s:%d  x%lld\n", vg_col_text(s, 1), vg_col_text(s, 2),
				sqlite3_column_int(s, 3), vg_col_text(s, 4), sqlite3_column_int(s, 5),
				(long long)sqlite3_column_int64(s, 8));
		}
	}
	if (s)
		sqlite3_reset(s);
	section_end(a);
	s = vg_sql(a->st, "SELECT " EVENT_COLUMNS EVENT_FROM "WHERE e.flow IN (SELECT id FROM temp.q_flows)"
			  " AND e.ts BETWEEN ? AND ? ORDER BY e.ts, e.id LIMIT ?");
	if (!s)
		return -1;
	events(a, s, 1);
	processes(a);
	return 0;
}

static int q_persistence(struct answer *a, char *err, size_t errlen)
{
	for (const char *const *g = vg_persistence_globs; *g; g++)
		if (q_file(a, *g, err, errlen) < 0)
			return -1;
	return file_events(a, true);
}

static int q_events(struct answer *a, char *err, size_t errlen)
{
	sqlite3_stmt *s = vg_sql(a->st, "SELECT " EVENT_COLUMNS EVENT_FROM "WHERE (?1 IS NULL OR e.type = ?1)"
					" AND (?2 IS NULL OR e.host IN (SELECT id FROM hosts WHERE name = ?2 OR host_id = ?2))"
					" AND e.ts BETWEEN ?3 AND ?4 ORDER BY e.ts, e.id LIMIT ?5");

	if (!s)
		return -1;
	if (a->q->event && vg_event_by_name(a->q->event) < 0) {
		snprintf(err, errlen, "unknown event type '%s' (see docs/events.md)", a->q->event);
		return -1;
	}
	vg_bind_text(s, 1, a->q->event);
	vg_bind_text(s, 2, a->q->host);
	events(a, s, 3);
	return 0;
}

static void stat_line(struct answer *a, const char *name, int64_t v)
{
	if (a->q->json)
		vg_buf_printf(&a->b, ",\"%s\":%lld", name, (long long)v);
	else
		fprintf(a->out, "%-28s %lld\n", name, (long long)v);
}

static int q_stats(struct answer *a)
{
	static const struct {
		const char *name, *sql;
	} counts[] = {
		{ "events", "SELECT count(*) FROM events" },       { "processes", "SELECT count(*) FROM procs" },
		{ "files", "SELECT count(*) FROM files" },          { "flows", "SELECT count(*) FROM flows" },
		{ "alerts", "SELECT count(*) FROM alerts" },       { "alert_occurrences", "SELECT total(count) FROM alerts" },
		{ "incidents", "SELECT count(*) FROM incidents" }, { "hosts", "SELECT count(DISTINCT host_id) FROM hosts" },
		{ "schema_version", "PRAGMA user_version" },
	};
	static const char *const retention[] = { "retention_events_age", "retention_events_size", "retention_incidents_age" };
	sqlite3_stmt *s;
	struct stat sb;

	if (a->q->json) {
		vg_buf_puts(&a->b, ",\"path\":");
		vg_json_cstr(&a->b, a->st->path);
	} else {
		fprintf(a->out, "%-28s %s\n", "path", a->st->path);
	}
	stat_line(a, "file_bytes", stat(a->st->path, &sb) == 0 ? (int64_t)sb.st_size : -1);
	stat_line(a, "used_bytes", (int64_t)st_store_used_bytes(a->st));
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		stat_line(a, counts[i].name, vg_store_int(a->st, counts[i].sql, 0));
	for (size_t i = 0; i < sizeof(retention) / sizeof(retention[0]); i++)
		stat_line(a, retention[i], vg_store_meta_int(a->st, retention[i], 0));
	stat_line(a, "incident_window_s", (int64_t)(vg_store_window_ns(a->st) / 1000000000ull));
	if (a->q->json) {
		vg_buf_puts(&a->b, ",\"oldest\":");
		s = vg_sql(a->st, "SELECT min(ts), max(ts) FROM events");
		if (s && sqlite3_step(s) == SQLITE_ROW) {
			if (sqlite3_column_type(s, 0) == SQLITE_NULL)
				vg_buf_puts(&a->b, "null,\"newest\":null");
			else {
				vg_json_time(&a->b, (uint64_t)sqlite3_column_int64(s, 0));
				vg_buf_puts(&a->b, ",\"newest\":");
				vg_json_time(&a->b, (uint64_t)sqlite3_column_int64(s, 1));
			}
		}
		if (s)
			sqlite3_reset(s);
	}
	if (a->q->check) {
		s = vg_sql(a->st, "PRAGMA quick_check");
		if (s && sqlite3_step(s) == SQLITE_ROW) {
			if (a->q->json) {
				vg_buf_puts(&a->b, ",\"check\":");
				vg_json_cstr(&a->b, vg_col_text(s, 0));
			} else {
				fprintf(a->out, "%-28s %s\n", "check", vg_col_text(s, 0));
			}
		}
		if (s)
			sqlite3_reset(s);
	}
	flush_buf(a);
	section(a, "runs");
	s = vg_sql(a->st, "SELECT id, pid, started, stopped, clean, committed, dropped, lost_at_crash FROM runs ORDER BY id");
	while (s && sqlite3_step(s) == SQLITE_ROW) {
		item_sep(a);
		if (a->q->json) {
			vg_buf_printf(&a->b, "{\"id\":%lld,\"pid\":%lld", (long long)sqlite3_column_int64(s, 0),
				      (long long)sqlite3_column_int64(s, 1));
			member_time(&a->b, "started", s, 2);
			member_time(&a->b, "stopped", s, 3);
			vg_buf_printf(&a->b, ",\"clean\":%s,\"committed\":%lld,\"dropped\":%lld,\"lost_at_crash\":",
				      sqlite3_column_int(s, 4) ? "true" : "false", (long long)sqlite3_column_int64(s, 5),
				      (long long)sqlite3_column_int64(s, 6));
			if (sqlite3_column_type(s, 7) == SQLITE_NULL || sqlite3_column_int64(s, 7) < 0)
				vg_buf_puts(&a->b, "null}");
			else
				vg_buf_printf(&a->b, "%lld}", (long long)sqlite3_column_int64(s, 7));
		} else {
			fprintf(a->out, "  run %lld pid %lld: %s, %lld committed, %lld dropped", (long long)sqlite3_column_int64(s, 0),
				(long long)sqlite3_column_int64(s, 1), sqlite3_column_int(s, 4) ? "closed cleanly" : "not closed",
				(long long)sqlite3_column_int64(s, 5), (long long)sqlite3_column_int64(s, 6));
			if (sqlite3_column_type(s, 7) != SQLITE_NULL)
				fprintf(a->out, ", %lld lost at its crash", (long long)sqlite3_column_int64(s, 7));
			fputc('\n', a->out);
		}
	}
	if (s)
		sqlite3_reset(s);
	section_end(a);
	return 0;
}

int vg_store_query(struct vg_store *st, const struct vg_query *q, FILE *out, char *err, size_t errlen)
{
	struct answer a = { .st = st, .q = q, .out = out };
	int rc;

	if (vg_store_exec(st, "CREATE TEMP TABLE IF NOT EXISTS q_procs(id INTEGER PRIMARY KEY);"
			      "CREATE TEMP TABLE IF NOT EXISTS q_files(id INTEGER PRIMARY KEY);"
			      "CREATE TEMP TABLE IF NOT EXISTS q_flows(id INTEGER PRIMARY KEY);"
			      "DELETE FROM q_procs; DELETE FROM q_files; DELETE FROM q_flows;") < 0) {
		snprintf(err, errlen, "%s: cannot query: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	/* one read transaction: the answer is one consistent snapshot while the agent writes */
	vg_store_exec(st, "BEGIN");
	if (q->json) {
		vg_buf_puts(&a.b, "{\"query\":");
		vg_json_cstr(&a.b, q->what);
		vg_buf_puts(&a.b, ",\"arg\":");
		vg_json_cstr(&a.b, q->arg);
	}
	if (strcmp(q->what, "tree") == 0)
		rc = q_tree(&a, err, errlen);
	else if (strcmp(q->what, "session") == 0)
		rc = q_session(&a, err, errlen);
	else if (strcmp(q->what, "file") == 0)
		rc = q_file(&a, q->arg, err, errlen) < 0 ? -1 : file_events(&a, false);
	else if (strcmp(q->what, "flow") == 0)
		rc = q_flow(&a, err, errlen);
	else if (strcmp(q->what, "persistence") == 0)
		rc = q_persistence(&a, err, errlen);
	else if (strcmp(q->what, "events") == 0)
		rc = q_events(&a, err, errlen);
	else if (strcmp(q->what, "stats") == 0)
		rc = q_stats(&a);
	else {
		snprintf(err, errlen, "unknown query '%s' (tree, file, flow, session, persistence, events, stats)", q->what);
		rc = -1;
	}
	vg_store_exec(st, "COMMIT");
	if (rc == 0 && q->json) {
		vg_buf_puts(&a.b, "}\n");
		flush_buf(&a);
	}
	vg_buf_free(&a.b);
	return rc;
}

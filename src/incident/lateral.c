/* lateral.c — the two ends of one connection on two hosts (lateral.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "incident/lateral.h"
#include "store/internal.h"

/* An address without its IPv4-mapped prefix. */
static const char *plain(const char *ip)
{
	return strncmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.') ? ip + 7 : ip;
}

static bool same_ip(const char *a, const char *b)
{
	return strcmp(plain(a), plain(b)) == 0;
}

bool vg_conn_ends_match(const struct vg_conn_end *a, const struct vg_conn_end *b)
{
	return a->host != b->host && a->accepted != b->accepted && strcmp(a->proto, b->proto) == 0 &&
	       a->sport == b->dport && a->dport == b->sport && a->sport && a->dport && same_ip(a->sip, b->dip) &&
	       same_ip(a->dip, b->sip);
}

bool vg_conn_end_from_ssh(const char *ssh, int64_t host, struct vg_conn_end *out)
{
	char client[48], server[48], rest;
	int cport, sport;

	if (!ssh || sscanf(ssh, "%47s %d %47s %d %c", client, &cport, server, &sport, &rest) != 4 || cport <= 0 ||
	    cport > 65535 || sport <= 0 || sport > 65535)
		return false;
	memset(out, 0, sizeof(*out));
	out->host = host;
	out->accepted = true;
	snprintf(out->proto, sizeof(out->proto), "tcp");
	snprintf(out->sip, sizeof(out->sip), "%s", server);
	snprintf(out->dip, sizeof(out->dip), "%s", client);
	out->sport = sport;
	out->dport = cport;
	return true;
}

#define END_COLUMNS "e.host, e.type, f.proto, f.sip, f.sport, f.dip, f.dport, e.ts"

static void end_from_row(sqlite3_stmt *s, int col, struct vg_conn_end *out)
{
	memset(out, 0, sizeof(*out));
	out->host = sqlite3_column_int64(s, col);
	out->accepted = strcmp(vg_col_text(s, col + 1), "accept") == 0;
	snprintf(out->proto, sizeof(out->proto), "%s", vg_col_text(s, col + 2));
	snprintf(out->sip, sizeof(out->sip), "%s", vg_col_text(s, col + 3));
	out->sport = sqlite3_column_int(s, col + 4);
	snprintf(out->dip, sizeof(out->dip), "%s", vg_col_text(s, col + 5));
	out->dport = sqlite3_column_int(s, col + 6);
}

bool vg_conn_end_of_event(struct vg_store *st, int64_t event, struct vg_conn_end *out, uint64_t *ts)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT " END_COLUMNS " FROM events e JOIN flows f ON f.id = e.flow"
				     " WHERE e.id = ? AND e.type IN ('connect', 'accept') AND e.ret >= 0");
	bool ok = false;

	if (!s)
		return false;
	sqlite3_bind_int64(s, 1, event);
	if (sqlite3_step(s) == SQLITE_ROW) {
		end_from_row(s, 0, out);
		*ts = (uint64_t)sqlite3_column_int64(s, 7);
		ok = true;
	}
	sqlite3_reset(s);
	return ok;
}

int vg_lateral_peers(struct vg_store *st, const struct vg_conn_end *end, uint64_t from, uint64_t to,
		     int (*fn)(int64_t proc, int64_t event, void *ctx), void *ctx)
{
	/* candidates by the index on flows(dip, dport): the peer's other end is this one */
	sqlite3_stmt *s = vg_sql(st, "SELECT e.proc, e.id, " END_COLUMNS " FROM flows f JOIN events e ON e.flow = f.id"
				     " WHERE f.dip IN (?1, ?2) AND f.dport = ?3 AND f.host <> ?4 AND e.ts BETWEEN ?5 AND ?6"
				     " AND e.type IN ('connect', 'accept') AND e.ret >= 0 AND e.proc IS NOT NULL"
				     " ORDER BY e.ts LIMIT 64");
	char mapped[64];
	int rc = 0;

	if (!s)
		return -1;
	if (plain(end->sip) != end->sip)
		snprintf(mapped, sizeof(mapped), "%s", plain(end->sip));
	else
		snprintf(mapped, sizeof(mapped), "::ffff:%s", end->sip);
	sqlite3_bind_text(s, 1, end->sip, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, mapped, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, end->sport);
	sqlite3_bind_int64(s, 4, end->host);
	sqlite3_bind_int64(s, 5, (int64_t)from);
	sqlite3_bind_int64(s, 6, (int64_t)to);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		struct vg_conn_end peer;

		end_from_row(s, 2, &peer);
		if (vg_conn_ends_match(end, &peer))
			rc = fn(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), ctx);
	}
	sqlite3_reset(s);
	return rc;
}

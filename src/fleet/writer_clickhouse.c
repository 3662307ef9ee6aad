/* writer_clickhouse.c — many hosts' records into ClickHouse over its HTTP interface.
 *
 *   vigil collect --clickhouse http://HOST:8123[/?database=vigil]
 *
 * Three tables, events, alerts and stats, created when missing, each partitioned by day
 * (toYYYYMMDD of the record's own UTC date) and a ReplacingMergeTree ordered by
 * (host_id, boot_id, seq): a record that arrives twice is one row once ClickHouse merges,
 * and right away for queries with FINAL. Inserts are batched, one
 * `INSERT ... FORMAT JSONEachRow` per table per commit. Every row keeps the record's JSON
 * in `raw` (ClickHouse 18.16, the Debian release, reads it with visitParamExtract*). Only
 * what 18.16 has is used: DateTime (seconds) plus the nanoseconds in ts_ns, no
 * DateTime64, no JSON type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fleet/writer.h"
#include "http.h"
#include "output/json.h"

enum { T_EVENTS, T_ALERTS, T_STATS, T__COUNT };

static const char *const table_name[T__COUNT] = { "events", "alerts", "stats" };

/* Columns beyond the common ones (day, ts, ts_ns, host, host_id, boot_id, seq, record_id, raw). */
static const char *const table_extra[T__COUNT] = {
	"event String, ",
	"rule String, priority String, ",
	"",
};

struct vg_fleet_writer {
	char base[512]; /* http://host:port/ */
	char db[64];
	struct vg_http *http;
	struct vg_buf rows[T__COUNT]; /* added, not committed yet */
	uint64_t pending[T__COUNT];
	uint64_t rows_stored, inserts, insert_errors;
};

static int query(struct vg_fleet_writer *w, const char *sql, const char *body, size_t len, char *err, size_t errlen)
{
	char url[4096], why[300];
	long status;

	vg_http_escape(url, sizeof(url), w->base, "");
	snprintf(url + strlen(url), sizeof(url) - strlen(url), "?query=");
	vg_http_escape(url + strlen(url), sizeof(url) - strlen(url), "", sql);
	status = vg_http_post(w->http, url, body, len, why, sizeof(why));
	if (status == 200)
		return 0;
	if (status)
		snprintf(err, errlen, "ClickHouse answered %ld: %.200s", status, vg_http_reply(w->http));
	else
		snprintf(err, errlen, "ClickHouse at %s: %s", w->base, why);
	return -1;
}

static struct vg_fleet_writer *ch_open(const char *target, char *err, size_t errlen)
{
	struct vg_fleet_writer *w = calloc(1, sizeof(*w));
	const char *q = strchr(target, '?'), *db;
	struct vg_http_opts ho = { .content_type = "application/x-ndjson", .timeout_ms = 30000 };
	char sql[1024];
	size_t n;

	if (!w)
		abort();
	if (strncmp(target, "http://", 7) && strncmp(target, "https://", 8)) {
		snprintf(err, errlen, "expected --clickhouse http://HOST:PORT[/?database=NAME]");
		free(w);
		return NULL;
	}
	n = q ? (size_t)(q - target) : strlen(target);
	snprintf(w->base, sizeof(w->base), "%.*s%s", (int)n, target, n && target[n - 1] == '/' ? "" : "/");
	snprintf(w->db, sizeof(w->db), "vigil");
	if (q && (db = strstr(q, "database=")))
		snprintf(w->db, sizeof(w->db), "%.*s", (int)strcspn(db + 9, "&"), db + 9);
	if (strspn(w->db, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(w->db) ||
	    !w->db[0]) {
		snprintf(err, errlen, "database name '%s': letters, digits and _ only", w->db);
		free(w);
		return NULL;
	}
	if (!(w->http = vg_http_new(&ho, err, errlen))) {
		free(w);
		return NULL;
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s", w->db);
	if (query(w, sql, NULL, 0, err, errlen) < 0)
		goto fail;
	for (int t = 0; t < T__COUNT; t++) {
		snprintf(sql, sizeof(sql),
			 "CREATE TABLE IF NOT EXISTS %s.%s (day Date, ts DateTime, ts_ns UInt64, host String, "
			 "host_id String, boot_id String, seq UInt64, record_id String, %sraw String) "
			 "ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMMDD(day) ORDER BY (host_id, boot_id, seq)",
			 w->db, table_name[t], table_extra[t]);
		if (query(w, sql, NULL, 0, err, errlen) < 0)
			goto fail;
	}
	return w;
fail:
	vg_http_free(w->http);
	free(w);
	return NULL;
}

static int ch_add(struct vg_fleet_writer *w, const struct vg_fleet_record *r)
{
	int t = !strcmp(r->kind, "alert") ? T_ALERTS : !strcmp(r->kind, "stats") ? T_STATS : T_EVENTS;
	struct vg_buf *b = &w->rows[t];

	vg_buf_printf(b, "{\"day\":\"%s\",\"ts\":%llu,\"ts_ns\":%llu,\"host\":", r->day,
		      (unsigned long long)(r->ts_ns / 1000000000ull), (unsigned long long)r->ts_ns);
	vg_json_cstr(b, r->host);
	vg_buf_puts(b, ",\"host_id\":");
	vg_json_cstr(b, r->host_id);
	vg_buf_puts(b, ",\"boot_id\":");
	vg_json_cstr(b, r->boot_id);
	vg_buf_printf(b, ",\"seq\":%llu,\"record_id\":", (unsigned long long)r->seq);
	vg_json_cstr(b, r->record_id);
	if (t == T_EVENTS) {
		vg_buf_puts(b, ",\"event\":");
		vg_json_cstr(b, r->event);
	} else if (t == T_ALERTS) {
		vg_buf_puts(b, ",\"rule\":");
		vg_json_cstr(b, r->rule);
		vg_buf_puts(b, ",\"priority\":");
		vg_json_cstr(b, r->priority);
	}
	vg_buf_puts(b, ",\"raw\":");
	vg_json_str(b, r->json, r->len);
	vg_buf_puts(b, "}\n");
	w->pending[t]++;
	return 0;
}

/* One INSERT per table; a table whose insert succeeded is not sent again on a retry. */
static int ch_commit(struct vg_fleet_writer *w, char *err, size_t errlen)
{
	for (int t = 0; t < T__COUNT; t++) {
		char sql[256];

		if (!w->pending[t])
			continue;
		snprintf(sql, sizeof(sql), "INSERT INTO %s.%s FORMAT JSONEachRow", w->db, table_name[t]);
		w->inserts++;
		if (query(w, sql, w->rows[t].p, w->rows[t].len, err, errlen) < 0) {
			w->insert_errors++;
			return -1;
		}
		w->rows_stored += w->pending[t];
		w->pending[t] = 0;
		vg_buf_reset(&w->rows[t]);
	}
	return 0;
}

static void ch_stats(struct vg_fleet_writer *w, struct vg_buf *b)
{
	vg_buf_printf(b, ",\"rows\":%llu,\"inserts\":%llu,\"insert_errors\":%llu", (unsigned long long)w->rows_stored,
		      (unsigned long long)w->inserts, (unsigned long long)w->insert_errors);
}

static void ch_close(struct vg_fleet_writer *w)
{
	for (int t = 0; t < T__COUNT; t++)
		vg_buf_free(&w->rows[t]);
	vg_http_free(w->http);
	free(w);
}

const struct vg_fleet_writer_type vg_fleet_clickhouse = {
	.name = "clickhouse",
	.open = ch_open,
	.add = ch_add,
	.commit = ch_commit,
	.stats = ch_stats,
	.close = ch_close,
};

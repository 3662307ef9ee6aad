/* sink_webhook.c — HTTP(S) POST of batches of JSON lines (libcurl), with retries.
 *
 *   https://siem.example/ingest[;batch=500;linger=500ms;token=SECRET]
 *
 * The body is newline-delimited JSON (Content-Type: application/x-ndjson), one record per
 * line, each with its "record_id" so the receiver can drop a batch it sees twice. A batch
 * goes when it holds `batch` records or `batch_bytes`, or when its first record has waited
 * `linger`. A 2xx answer delivers it. A network error, a timeout, a 408, 429 or 5xx is
 * retried, the same batch, with backoff (250 ms doubling to 30 s) while records wait in
 * the spool. Any other 4xx means the receiver will never take it: the batch is split in
 * halves and retried, and a single record still refused is given up and counted in
 * "refused" (lost). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "output/netsink.h"
#include "output/sink.h"
#include "output/sinkopt.h"
#include "output/stats.h"
#include "rules/rules.h"

struct webhook_opts {
	uint64_t batch, batch_bytes, linger_ns, timeout_ns;
	char header[256], token[256], ca[256];
	bool insecure;
	struct vg_netsink_opts net;
};

#define STR_OPT(field) offsetof(struct webhook_opts, field), sizeof(((struct webhook_opts *)0)->field)

static const struct vg_sinkopt webhook_options[] = {
	{ "batch", VG_SO_UINT, offsetof(struct webhook_opts, batch), 0, NULL, "records per POST at most (default 500)" },
	{ "batch_bytes", VG_SO_SIZE, offsetof(struct webhook_opts, batch_bytes), 0, NULL,
	  "bytes per POST at most (default 1M)" },
	{ "linger", VG_SO_DURATION, offsetof(struct webhook_opts, linger_ns), 0, NULL,
	  "how long a record waits for its batch to fill (default 500ms)" },
	{ "timeout", VG_SO_DURATION, offsetof(struct webhook_opts, timeout_ns), 0, NULL,
	  "for one POST (default 10s)" },
	{ "header", VG_SO_STR, STR_OPT(header), NULL, "one more request header, \"Name: value\"" },
	{ "token", VG_SO_STR, STR_OPT(token), NULL, "sent as Authorization: Bearer TOKEN" },
	{ "ca", VG_SO_STR, STR_OPT(ca), NULL, "CA certificates (PEM file) to verify the server with" },
	{ "insecure", VG_SO_BOOL, offsetof(struct webhook_opts, insecure), 0, NULL,
	  "do not verify the server's certificate (default false)" },
	VG_NETSINK_OPTIONS(struct webhook_opts),
	VG_SINKOPT_END,
};

struct webhook_sink {
	struct webhook_opts o;
	struct vg_netsink n;
	char url[512];
	atomic_uint_fast64_t posts;
};

static void webhook_event(struct vg_sink *sk, const struct vg_event *ev)
{
	struct webhook_sink *s = sk->priv;
	struct vg_buf *r = vg_netsink_event_json(&s->n, ev);

	vg_netsink_put(&s->n, ev->ts_ns, NULL, 0, r->p, r->len);
}

static void webhook_alert(struct vg_sink *sk, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct webhook_sink *s = sk->priv;
	struct vg_buf *r = vg_netsink_alert_json(&s->n, a, v);

	vg_netsink_put(&s->n, a->ev->ts_ns, NULL, 0, r->p, r->len);
}

static void webhook_stats(struct vg_sink *sk, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	struct webhook_sink *s = sk->priv;
	struct vg_buf *r = vg_netsink_stats_json(&s->n, c, x);

	vg_netsink_put(&s->n, x->wall_ns, NULL, 0, r->p, r->len);
}

/* ---- the sender thread ---- */

static void *sender(void *arg)
{
	struct webhook_sink *s = arg;
	struct vg_http_opts ho = { .content_type = "application/x-ndjson", .header = s->o.header,
				   .bearer = s->o.token, .ca = s->o.ca, .insecure = s->o.insecure,
				   .timeout_ms = s->o.timeout_ns / 1000000 };
	char err[300];
	struct vg_http *h = vg_http_new(&ho, err, sizeof(err));
	struct vg_buf body = { 0 };
	uint64_t count = 0, first = 0, started = 0, limit = s->o.batch;
	unsigned attempt = 0;

	if (!h) {
		vg_netsink_fail(&s->n, "%s", err);
		return NULL;
	}
	atomic_store(&s->n.connected, true); /* until a POST fails: then a stop does not wait */
	while (vg_netsink_running(&s->n)) {
		struct vg_spool_rec r;
		uint64_t now;
		long status;

		while (count < limit && body.len < s->o.batch_bytes && vg_spool_read(s->n.spool, &r) == 1) {
			if (!count) {
				first = r.seq;
				started = vg_netsink_mono_ns();
			}
			vg_buf_put(&body, r.data, r.len);
			vg_buf_putc(&body, '\n');
			count++;
		}
		if (!count) {
			vg_spool_ack(s->n.spool, UINT64_MAX, 0);
			vg_netsink_maintain(&s->n);
			vg_spool_wait(s->n.spool, 200);
			continue;
		}
		now = vg_netsink_mono_ns();
		if (count < limit && body.len < s->o.batch_bytes && now - started < s->o.linger_ns &&
		    !atomic_load(&s->n.stopping)) {
			vg_spool_wait(s->n.spool, 50);
			continue;
		}
		status = vg_http_post(h, s->url, body.p, body.len, err, sizeof(err));
		atomic_fetch_add(&s->posts, 1);
		atomic_store(&s->n.connected, status >= 200 && status < 500); /* it answers and decides */
		if (status >= 200 && status < 300) {
			atomic_fetch_add(&s->n.delivered, count);
			vg_spool_ack(s->n.spool, UINT64_MAX, 0);
			vg_netsink_recovered(&s->n);
			vg_netsink_maintain(&s->n);
			attempt = 0;
			limit = s->o.batch;
		} else if (status >= 400 && status < 500 && status != 408 && status != 429) {
			vg_netsink_fail(&s->n, "%s answered %ld %s", s->url, status, vg_http_reply(h));
			if (count > 1) { /* find the record it refuses: halve the batch */
				limit = count / 2;
				vg_spool_rewind(s->n.spool, first);
			} else {
				atomic_fetch_add(&s->n.refused, 1);
				vg_spool_ack(s->n.spool, UINT64_MAX, 0);
				fprintf(stderr, "vigil: sink %s: record %llu refused (HTTP %ld), given up\n", s->n.name,
					(unsigned long long)first, status);
				limit = s->o.batch;
			}
		} else {
			if (status)
				vg_netsink_fail(&s->n, "%s answered %ld %s", s->url, status, vg_http_reply(h));
			else
				vg_netsink_fail(&s->n, "POST %s: %s", s->url, err);
			vg_netsink_backoff(&s->n, attempt++);
			continue; /* the same batch again */
		}
		vg_buf_reset(&body);
		count = 0;
	}
	/* a batch still held goes back to the spool for the next start */
	vg_spool_ack(s->n.spool, count ? first : UINT64_MAX, 0);
	vg_buf_free(&body);
	vg_http_free(h);
	return NULL;
}

/* ---- open, counters, close ---- */

static int webhook_open(struct vg_sink *sk, const char *arg, char *err, size_t errlen)
{
	struct webhook_sink *s = calloc(1, sizeof(*s));
	const char *scheme = sk->type->scheme;

	if (!s)
		abort();
	s->o = (struct webhook_opts){ .batch = 500, .batch_bytes = 1u << 20, .linger_ns = 500000000ull,
				      .timeout_ns = 10000000000ull };
	vg_netsink_defaults(&s->o.net);
	/* arg is what follows "http:" or "https:": the URL is the scheme and it */
	snprintf(s->url, sizeof(s->url), "%s:", scheme);
	if (vg_sinkopt_parse(webhook_options, &s->o, arg, s->url + strlen(s->url), sizeof(s->url) - strlen(s->url),
			     err, errlen) < 0)
		goto fail;
	if (strncmp(arg, "//", 2) || !arg[2]) {
		snprintf(err, errlen, "expected %s://HOST[:PORT]/PATH", scheme);
		goto fail;
	}
	if (!s->o.batch)
		s->o.batch = 1;
	{ /* libcurl's global set-up happens here, before any sender thread runs */
		struct vg_http *probe = vg_http_new(&(struct vg_http_opts){ 0 }, err, errlen);

		if (!probe)
			goto fail;
		vg_http_free(probe);
	}
	s->n.o = s->o.net;
	if (vg_netsink_open(&s->n, scheme, s->url + strlen(scheme) + 3, err, errlen) < 0)
		goto fail;
	snprintf(s->n.name, sizeof(s->n.name), "%s", s->url);
	if (vg_netsink_start(&s->n, sender, s, err, errlen) < 0) {
		vg_netsink_close(&s->n);
		goto fail;
	}
	sk->priv = s;
	return 0;
fail:
	free(s);
	return -1;
}

static void webhook_flush(struct vg_sink *sk, uint64_t now_ns)
{
	vg_netsink_flush(&((struct webhook_sink *)sk->priv)->n);
}

static void webhook_counters(const struct vg_sink *sk, struct vg_sink_counters *c)
{
	vg_netsink_counters(&((struct webhook_sink *)sk->priv)->n, c);
}

static void webhook_detail(const struct vg_sink *sk, struct vg_buf *b)
{
	struct webhook_sink *s = sk->priv;

	vg_netsink_detail(&s->n, b);
	vg_buf_printf(b, ",\"posts\":%llu", (unsigned long long)atomic_load(&s->posts));
}

static void webhook_close(struct vg_sink *sk)
{
	struct webhook_sink *s = sk->priv;

	vg_netsink_close(&s->n);
	free(s);
}

#define WEBHOOK_TYPE(name, scheme_, usage_)                                                                  \
	const struct vg_sink_type name = {                                                                   \
		.scheme = scheme_,                                                                           \
		.usage = usage_,                                                                             \
		.options = webhook_options,                                                                  \
		.open = webhook_open,                                                                        \
		.event = webhook_event,                                                                      \
		.alert = webhook_alert,                                                                      \
		.stats = webhook_stats,                                                                      \
		.flush = webhook_flush,                                                                      \
		.counters = webhook_counters,                                                                \
		.detail = webhook_detail,                                                                    \
		.close = webhook_close,                                                                      \
	}

WEBHOOK_TYPE(vg_sink_http, "http", "http://HOST/P  webhook: POST batches of JSON lines, retried with backoff");
WEBHOOK_TYPE(vg_sink_https, "https", "https://HOST/P the same over TLS");

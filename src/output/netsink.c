/* netsink.c — the spool, records, sender thread and counters the network sinks share
 * (netsink.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host.h"
#include "output/json.h"
#include "output/netsink.h"
#include "output/sink.h"
#include "output/stats.h"

#define SPOOL_ROOT "/var/lib/vigil/spool"

uint64_t vg_netsink_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vg_netsink_defaults(struct vg_netsink_opts *o)
{
	*o = (struct vg_netsink_opts){ .spool_max = 1ull << 30, .fsync_ns = 200000000ull, .drain_ns = 5000000000ull };
}

int vg_netsink_open(struct vg_netsink *n, const char *scheme, const char *target, char *err, size_t errlen)
{
	struct vg_spool_opts so = { .max_bytes = n->o.spool_max, .fsync_ns = n->o.fsync_ns };
	pthread_condattr_t ca;

	if (n->o.spool_max < (64u << 10)) {
		snprintf(err, errlen, "spool_max must be at least 64K");
		return -1;
	}
	so.segment_bytes = n->o.spool_segment ? n->o.spool_segment : 8u << 20;
	if (so.segment_bytes > so.max_bytes / 8)
		so.segment_bytes = so.max_bytes / 8;
	if (n->o.spool[0]) {
		snprintf(so.dir, sizeof(so.dir), "%s", n->o.spool);
	} else { /* one directory per sink: SCHEME-TARGET with what is not [A-Za-z0-9._-] as '_' */
		size_t k = (size_t)snprintf(so.dir, sizeof(so.dir), "%s/%s-", SPOOL_ROOT, scheme);

		for (const char *p = target; *p && k < 200; p++)
			so.dir[k++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
						     (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
					     ? *p : '_');
		so.dir[k] = 0;
	}
	snprintf(n->name, sizeof(n->name), "%s:%s", scheme, target);
	n->spool = vg_spool_open(&so, vg_host_id(), vg_boot_id(), err, errlen);
	if (!n->spool)
		return -1;
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

int vg_netsink_start(struct vg_netsink *n, void *(*run)(void *), void *arg, char *err, size_t errlen)
{
	if (pthread_create(&n->thread, NULL, run, arg) != 0) {
		snprintf(err, errlen, "cannot start the sender thread");
		return -1;
	}
	n->started = true;
	return 0;
}

void vg_netsink_close(struct vg_netsink *n)
{
	vg_spool_commit(n->spool);
	if (n->started) {
		pthread_mutex_lock(&n->mu);
		n->drain_deadline_ns = vg_netsink_mono_ns() + n->o.drain_ns;
		atomic_store(&n->stopping, true);
		pthread_cond_broadcast(&n->cv);
		pthread_mutex_unlock(&n->mu);
		vg_spool_wake(n->spool);
		pthread_join(n->thread, NULL);
	}
	{ /* the sink's last word, after its drain: what the stats line could not know yet */
		struct vg_sink_counters c = { 0 };

		vg_netsink_counters(n, &c);
		fprintf(stderr, "vigil: sink %s closed: %llu delivered, %llu lost, %llu spooled%s\n", n->name,
			(unsigned long long)c.delivered, (unsigned long long)c.lost, (unsigned long long)c.queued,
			c.queued ? " (sent at the next start)" : "");
	}
	vg_spool_close(n->spool);
	vg_buf_free(&n->rec);
	vg_buf_free(&n->tmp);
	pthread_mutex_destroy(&n->mu);
	pthread_cond_destroy(&n->cv);
}

/* {"record_id":"ID", followed by the object tmp holds without its opening brace. */
static struct vg_buf *with_id(struct vg_netsink *n)
{
	char id[VG_SPOOL_ID_LEN];

	vg_spool_next_id(n->spool, id);
	vg_buf_reset(&n->rec);
	vg_buf_puts(&n->rec, "{\"record_id\":");
	vg_json_cstr(&n->rec, id);
	vg_buf_putc(&n->rec, ',');
	vg_buf_put(&n->rec, n->tmp.p + 1, n->tmp.len - 1);
	return &n->rec;
}

struct vg_buf *vg_netsink_event_json(struct vg_netsink *n, const struct vg_event *ev)
{
	vg_buf_reset(&n->tmp);
	vg_json_event(&n->tmp, ev);
	return with_id(n);
}

struct vg_buf *vg_netsink_alert_json(struct vg_netsink *n, const struct vg_alert *a, const struct vg_verdict *v)
{
	vg_buf_reset(&n->tmp);
	vg_json_alert(&n->tmp, a, v);
	return with_id(n);
}

struct vg_buf *vg_netsink_stats_json(struct vg_netsink *n, const struct vg_counters *c,
				     const struct vg_stats_extra *x)
{
	vg_buf_reset(&n->tmp);
	vg_json_stats(&n->tmp, c, x);
	return with_id(n);
}

void vg_netsink_put(struct vg_netsink *n, uint64_t ts_ns, const char *key, size_t key_len, const char *data,
		    size_t len)
{
	vg_spool_append(n->spool, ts_ns, key, key_len, data, len);
}

void vg_netsink_flush(struct vg_netsink *n)
{
	vg_spool_commit(n->spool);
}

bool vg_netsink_running(struct vg_netsink *n)
{
	struct vg_spool_stats st;

	if (!atomic_load(&n->stopping))
		return true;
	if (!atomic_load(&n->connected) || vg_netsink_mono_ns() >= n->drain_deadline_ns)
		return false;
	vg_spool_stats(n->spool, &st);
	return st.pending > 0;
}

void vg_netsink_backoff(struct vg_netsink *n, unsigned attempt)
{
	uint64_t delay = 250000000ull << (attempt < 7 ? attempt : 7), until;
	struct timespec ts;

	if (delay > 30000000000ull)
		delay = 30000000000ull;
	delay = delay * (80 + (uint64_t)(rand() % 41)) / 100; /* +-20%: agents do not retry in step */
	until = vg_netsink_mono_ns() + delay;
	ts.tv_sec = (time_t)(until / 1000000000ull);
	ts.tv_nsec = (long)(until % 1000000000ull);
	pthread_mutex_lock(&n->mu);
	while (!atomic_load(&n->stopping) && vg_netsink_mono_ns() < until)
		pthread_cond_timedwait(&n->cv, &n->mu, &ts);
	pthread_mutex_unlock(&n->mu);
}

void vg_netsink_fail(struct vg_netsink *n, const char *fmt, ...)
{
	va_list ap;
	bool say;

	atomic_fetch_add(&n->errors, 1);
	pthread_mutex_lock(&n->mu);
	va_start(ap, fmt);
	vsnprintf(n->last_error, sizeof(n->last_error), fmt, ap);
	va_end(ap);
	say = !n->failing;
	n->failing = true;
	if (say)
		fprintf(stderr, "vigil: sink %s: %s; spooling until it works again\n", n->name, n->last_error);
	pthread_mutex_unlock(&n->mu);
}

void vg_netsink_recovered(struct vg_netsink *n)
{
	pthread_mutex_lock(&n->mu);
	if (n->failing)
		fprintf(stderr, "vigil: sink %s: delivering again\n", n->name);
	n->failing = false;
	pthread_mutex_unlock(&n->mu);
}

void vg_netsink_maintain(struct vg_netsink *n)
{
	vg_spool_maintain(n->spool, vg_netsink_mono_ns());
}

void vg_netsink_counters(struct vg_netsink *n, struct vg_sink_counters *c)
{
	struct vg_spool_stats st;

	vg_spool_stats(n->spool, &st);
	c->delivered = atomic_load(&n->delivered);
	c->queued = st.pending;
	c->lost = st.evicted + st.write_lost + st.damaged + atomic_load(&n->refused);
	c->errors = atomic_load(&n->errors);
}

void vg_netsink_detail(struct vg_netsink *n, struct vg_buf *b)
{
	struct vg_spool_stats st;
	uint64_t now = wall_ns();

	vg_spool_stats(n->spool, &st);
	vg_buf_printf(b,
		      ",\"connected\":%s,\"refused\":%llu,\"spool\":{\"pending\":%llu,\"bytes\":%llu,\"segments\":%llu,"
		      "\"oldest_age_s\":%.3f,\"evicted\":%llu,\"write_lost\":%llu,\"damaged\":%llu,\"resumed\":%llu,"
		      "\"torn_bytes\":%llu}",
		      atomic_load(&n->connected) ? "true" : "false", (unsigned long long)atomic_load(&n->refused),
		      (unsigned long long)st.pending, (unsigned long long)st.bytes, (unsigned long long)st.segments,
		      st.oldest_ts_ns && st.oldest_ts_ns < now ? (double)(now - st.oldest_ts_ns) / 1e9 : 0.0,
		      (unsigned long long)st.evicted, (unsigned long long)st.write_lost, (unsigned long long)st.damaged,
		      (unsigned long long)st.resumed, (unsigned long long)st.torn_bytes);
	pthread_mutex_lock(&n->mu);
	if (n->failing) {
		vg_buf_puts(b, ",\"last_error\":");
		vg_json_cstr(b, n->last_error);
	}
	pthread_mutex_unlock(&n->mu);
}

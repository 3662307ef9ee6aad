/* ingest.c — the store sink: `--sink store:PATH[,OPTION=VALUE...]` (`--store PATH`).
 *
 * It takes every event the run captures, not only the printed ones. On the agent's thread
 * each event or alert is copied into the current batch (batch.c), which goes to a writer
 * thread at the next loop turn (flush, every ~20 ms) or when it is full; the writer applies
 * the batches queued (up to COMMIT_BATCHES) in one transaction (write.c) and enforces
 * retention between transactions. The
 * agent's thread never waits on SQLite: when the writer falls behind by more than the
 * queue's byte budget, the new batch is dropped, counted as lost in the sink's counters and
 * said on stderr. Measured with bench/store_bench.c (docs/benchmarks.md): a writer thread
 * keeps the sensor's loop free, where writing on the loop turn would stall it for the
 * length of each transaction.
 *
 * Options: max-bytes=SIZE and max-age=DURATION (retention.h; defaults 1G and 7d),
 * window=DURATION (incident.h; default 30m), queue=SIZE (the writer's backlog; 64M). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "output/buf.h"
#include "output/sink.h"
#include "output/stats.h"
#include "store/batch.h"
#include "store/internal.h"
#include "store/retention.h"
#include "store/runs.h"
#include "store/write.h"

#define BATCH_RECORDS 8192            /* a batch goes to the writer at this many records */
#define RETENTION_EVERY_NS 1000000000ull
#define WARN_EVERY_NS 5000000000ull
#define SPARE_BATCHES 2
#define COMMIT_BATCHES 16             /* queued batches the writer commits in one transaction */

struct store_sink {
	struct vg_store *st;
	struct st_run run;
	struct st_writer *writer;
	struct st_retention retention;
	uint64_t queue_max;
	struct st_batch *cur; /* being filled, agent's thread only */
	pthread_t thread;
	bool thread_started;
	/* under lock: the queue and the counters */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t written; /* the writer finished a batch */
	struct st_batch *head, *tail;
	struct st_batch *spare; /* written batches kept for reuse (SPARE_BATCHES) */
	int nspare;
	uint64_t queued_bytes, queued_records, writing_records;
	uint64_t delivered, lost, errors;
	bool stop;
	/* agent's thread: what was last said about losses */
	uint64_t warned_lost, warned_at;
};

static void *writer_main(void *arg)
{
	struct store_sink *ss = arg;
	uint64_t next_retention = 0;

	pthread_mutex_lock(&ss->lock);
	for (;;) {
		struct st_batch *taken[COMMIT_BATCHES];
		uint64_t now, records = 0;
		size_t n = 0;
		int rc;

		while (!ss->head && !ss->stop)
			pthread_cond_wait(&ss->wake, &ss->lock);
		if (!ss->head)
			break;
		/* everything queued, up to COMMIT_BATCHES, in one transaction */
		while (ss->head && n < COMMIT_BATCHES) {
			taken[n] = ss->head;
			ss->head = taken[n]->next;
			records += taken[n++]->records;
		}
		if (!ss->head)
			ss->tail = NULL;
		ss->writing_records = records;
		pthread_mutex_unlock(&ss->lock);
		rc = st_writer_apply(ss->writer, (const struct st_batch *const *)taken, n);
		now = vg_store_now_ns();
		if (now >= next_retention) {
			if (st_retention_run(ss->st, &ss->retention, now))
				st_writer_forget(ss->writer);
			next_retention = now + RETENTION_EVERY_NS;
		}
		pthread_mutex_lock(&ss->lock);
		ss->writing_records = 0;
		ss->queued_records -= records;
		if (rc == 0) {
			ss->delivered += records;
		} else {
			ss->lost += records;
			ss->errors++;
			ss->run.counts->dropped += records;
		}
		pthread_cond_broadcast(&ss->written);
		for (size_t i = 0; i < n; i++) {
			struct st_batch *b = taken[i];

			ss->queued_bytes -= b->bytes;
			if (ss->nspare < SPARE_BATCHES) {
				st_batch_reset(b);
				b->next = ss->spare;
				ss->spare = b;
				ss->nspare++;
			} else {
				st_batch_free(b);
			}
		}
	}
	pthread_mutex_unlock(&ss->lock);
	return NULL;
}

/* Hands the current batch to the writer, or drops it when the backlog is over budget. */
static void hand_over(struct store_sink *ss)
{
	struct st_batch *b = ss->cur;

	if (!b || !b->records)
		return;
	ss->cur = NULL;
	pthread_mutex_lock(&ss->lock);
	if (ss->queued_bytes + b->bytes > ss->queue_max) {
		ss->lost += b->records;
		ss->run.counts->dropped += b->records;
		pthread_mutex_unlock(&ss->lock);
		st_batch_free(b);
		return;
	}
	ss->queued_bytes += b->bytes;
	ss->queued_records += b->records;
	if (ss->tail)
		ss->tail->next = b;
	else
		ss->head = b;
	ss->tail = b;
	pthread_cond_signal(&ss->wake);
	pthread_mutex_unlock(&ss->lock);
}

static struct st_batch *current(struct store_sink *ss)
{
	if (!ss->cur) {
		pthread_mutex_lock(&ss->lock);
		if ((ss->cur = ss->spare)) {
			ss->spare = ss->cur->next;
			ss->cur->next = NULL;
			ss->nspare--;
		}
		pthread_mutex_unlock(&ss->lock);
		if (!ss->cur)
			ss->cur = st_batch_new();
		ss->cur->born_ns = vg_now_boot_ns();
	}
	return ss->cur;
}

static void taken(struct store_sink *ss)
{
	ss->run.counts->accepted++;
	if (ss->cur->records >= BATCH_RECORDS)
		hand_over(ss);
}

static void store_event(struct vg_sink *s, const struct vg_event *ev)
{
	struct store_sink *ss = s->priv;

	st_batch_event(current(ss), ev);
	taken(ss);
}

static void store_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct store_sink *ss = s->priv;

	st_batch_alert(current(ss), a, v->killed, v->denied);
	taken(ss);
}

static void store_stats(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	struct store_sink *ss = s->priv;
	struct vg_buf b = { 0 };

	vg_json_stats(&b, c, x);
	st_batch_stats(current(ss), b.p, b.len);
	vg_buf_free(&b);
	taken(ss);
}

/* Says on stderr, at most every few seconds, how many records were dropped since last. */
static void warn_losses(struct store_sink *ss, uint64_t now_ns)
{
	uint64_t lost;

	pthread_mutex_lock(&ss->lock);
	lost = ss->lost;
	pthread_mutex_unlock(&ss->lock);
	if (lost == ss->warned_lost || now_ns < ss->warned_at + WARN_EVERY_NS)
		return;
	fprintf(stderr, "vigil: store %s: %llu records lost since the last report (the writer fell behind by "
			"more than the queue budget, or a batch failed); %llu in all\n",
		ss->st->path, (unsigned long long)(lost - ss->warned_lost), (unsigned long long)lost);
	ss->warned_lost = lost;
	ss->warned_at = now_ns;
}

static void store_flush(struct vg_sink *s, uint64_t now_ns)
{
	struct store_sink *ss = s->priv;

	hand_over(ss);
	warn_losses(ss, now_ns);
}

static void store_drain(struct vg_sink *s)
{
	struct store_sink *ss = s->priv;

	hand_over(ss);
	pthread_mutex_lock(&ss->lock);
	while (ss->head || ss->writing_records)
		pthread_cond_wait(&ss->written, &ss->lock);
	pthread_mutex_unlock(&ss->lock);
}

static void store_counters(const struct vg_sink *s, struct vg_sink_counters *c)
{
	struct store_sink *ss = s->priv;

	pthread_mutex_lock(&ss->lock);
	c->delivered = ss->delivered;
	c->queued = ss->queued_records + ss->writing_records + (ss->cur ? ss->cur->records : 0);
	c->lost = ss->lost;
	c->errors = ss->errors;
	pthread_mutex_unlock(&ss->lock);
}

static void store_close(struct vg_sink *s)
{
	struct store_sink *ss = s->priv;

	if (!ss)
		return;
	hand_over(ss);
	if (ss->thread_started) {
		pthread_mutex_lock(&ss->lock);
		ss->stop = true;
		pthread_cond_signal(&ss->wake);
		pthread_mutex_unlock(&ss->lock);
		pthread_join(ss->thread, NULL);
	}
	warn_losses(ss, UINT64_MAX);
	if (ss->retention.events_by_age || ss->retention.events_by_size)
		fprintf(stderr, "vigil: store %s: retention deleted %llu events older than the age budget and %llu "
				"over the size budget, and %llu incidents that aged out\n",
			ss->st->path, (unsigned long long)ss->retention.events_by_age,
			(unsigned long long)ss->retention.events_by_size,
			(unsigned long long)ss->retention.incidents_by_age);
	while (ss->spare) {
		struct st_batch *b = ss->spare;

		ss->spare = b->next;
		st_batch_free(b);
	}
	st_writer_free(ss->writer);
	st_run_end(ss->st, &ss->run);
	vg_store_close(ss->st);
	pthread_mutex_destroy(&ss->lock);
	pthread_cond_destroy(&ss->wake);
	pthread_cond_destroy(&ss->written);
	free(ss);
	s->priv = NULL;
}

static int store_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	struct store_sink *ss = calloc(1, sizeof(*ss));
	struct vg_store_spec spec;
	char text[4096];

	if (!ss) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(text, sizeof(text), "%s", arg);
	pthread_mutex_init(&ss->lock, NULL);
	pthread_cond_init(&ss->wake, NULL);
	pthread_cond_init(&ss->written, NULL);
	s->priv = ss;
	if (vg_store_spec_parse(text, true, &spec, err, errlen) < 0 ||
	    !(ss->st = vg_store_open(spec.path, VG_STORE_WRITE, err, errlen)))
		goto fail;
	ss->retention.max_bytes = spec.max_bytes;
	ss->retention.max_age_ns = spec.max_age_ns;
	ss->queue_max = spec.queue_bytes;
	if (st_run_begin(ss->st, &ss->run, err, errlen) < 0) {
		vg_store_close(ss->st);
		goto fail;
	}
	vg_store_meta_set_int(ss->st, "incident_window_ns", (int64_t)spec.window_ns);
	ss->st->window_ns = spec.window_ns;
	st_batch_init_fields();
	ss->writer = st_writer_new(ss->st, ss->run.id, NULL);
	if (!ss->writer || pthread_create(&ss->thread, NULL, writer_main, ss) != 0) {
		snprintf(err, errlen, "%s: cannot start the writer thread", spec.path);
		store_close(s);
		return -1;
	}
	ss->thread_started = true;
	pthread_setname_np(ss->thread, "vigil-store"); /* top -H, perf */
	memcpy(s->events, s->available, sizeof(s->events));
	return 0;
fail:
	pthread_mutex_destroy(&ss->lock);
	pthread_cond_destroy(&ss->wake);
	pthread_cond_destroy(&ss->written);
	free(ss);
	s->priv = NULL;
	return -1;
}

const struct vg_sink_type vg_sink_store = {
	.scheme = "store",
	.usage = "store:PATH[,max-bytes=SIZE,max-age=DUR,window=DUR]  every event and alert into a SQLite store",
	.open = store_open,
	.event = store_event,
	.alert = store_alert,
	.stats = store_stats,
	.flush = store_flush,
	.drain = store_drain,
	.counters = store_counters,
	.close = store_close,
};

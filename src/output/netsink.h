/* netsink.h — what the network sinks (syslog, webhook, NATS) share.
 *
 * A network sink never does I/O on the agent's loop. The loop turns each event, alert and
 * stats line into a record (JSON with a "record_id" member: "host_id:boot_id:seq", the
 * receiver's deduplication key) and appends it to the sink's disk spool; flush(now)
 * commits the batch. The sink's sender thread reads the spool in order, sends, and acks
 * what the receiver took; while the receiver is down everything stays in the spool
 * (byte-capped, evictions counted), and a restart resumes from it. On close the sender
 * gets `drain` to deliver what is left, and what it cannot stays spooled for next time.
 *
 * The counters: delivered (taken by the receiver), lost (evicted by the cap, failed disk
 * writes, damaged segments, records the receiver refused for good), errors (failed sends,
 * retried), queued (records on disk not delivered yet, those of earlier runs included).
 */
#ifndef VIGIL_NETSINK_H
#define VIGIL_NETSINK_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "output/buf.h"
#include "output/spool.h"

struct vg_alert;
struct vg_verdict;
struct vg_counters;
struct vg_stats_extra;
struct vg_sink_counters;

/* The spool and drain options every network sink takes (VG_NETSINK_OPTIONS). */
struct vg_netsink_opts {
	char spool[256];
	uint64_t spool_max, spool_segment, fsync_ns, drain_ns;
};

/* Rows for a sink's option table; T is its option struct, with a member `net`. */
#define VG_NETSINK_OPTIONS(T)                                                                                 \
	{ "spool", VG_SO_STR, offsetof(T, net.spool), sizeof(((T *)0)->net.spool), NULL,                      \
	  "spool directory (default /var/lib/vigil/spool/SCHEME-TARGET)" },                                  \
	{ "spool_max", VG_SO_SIZE, offsetof(T, net.spool_max), 0, NULL,                                       \
	  "cap on the spool's size; the oldest unsent records go first, counted as lost (default 1G)" },      \
	{ "spool_segment", VG_SO_SIZE, offsetof(T, net.spool_segment), 0, NULL,                               \
	  "size of one spool file (default 8M, at most spool_max/8)" },                                       \
	{ "fsync", VG_SO_DURATION, offsetof(T, net.fsync_ns), 0, NULL,                                        \
	  "spooled records reach the disk within this (default 200ms)" },                                     \
	{ "drain", VG_SO_DURATION, offsetof(T, net.drain_ns), 0, NULL,                                        \
	  "at exit, time to deliver what is spooled while connected (default 5s)" }

void vg_netsink_defaults(struct vg_netsink_opts *o);

struct vg_netsink {
	struct vg_netsink_opts o;
	char name[128]; /* for messages: "nats://host:4222" */
	struct vg_spool *spool;
	struct vg_buf rec, tmp; /* the loop's scratch for building records */

	pthread_t thread;
	bool started;
	atomic_bool stopping;
	uint64_t drain_deadline_ns; /* monotonic; set before stopping */
	atomic_bool connected;
	atomic_uint_fast64_t delivered, refused, errors;

	pthread_mutex_t mu; /* last_error, and the cv backoff sleeps on (stop wakes it) */
	pthread_cond_t cv;
	char last_error[256];
	bool failing; /* the sender said it fails; it says so again when it works */
};

/* Opens the spool (o->spool, or the default directory named after scheme and target). */
int vg_netsink_open(struct vg_netsink *n, const char *scheme, const char *target, char *err, size_t errlen);
/* Starts the sender thread: run(arg) until vg_netsink_running() says stop. */
int vg_netsink_start(struct vg_netsink *n, void *(*run)(void *), void *arg, char *err, size_t errlen);
/* Stops the sender after its drain, closes the spool. */
void vg_netsink_close(struct vg_netsink *n);

/* -- on the agent's loop -- */
/* JSON records with their "record_id" first, into n->rec (returned). */
struct vg_buf *vg_netsink_event_json(struct vg_netsink *n, const struct vg_event *ev);
struct vg_buf *vg_netsink_alert_json(struct vg_netsink *n, const struct vg_alert *a, const struct vg_verdict *v);
struct vg_buf *vg_netsink_stats_json(struct vg_netsink *n, const struct vg_counters *c,
				     const struct vg_stats_extra *x);
/* Spools the record; key is what the sender needs besides it (a NATS subject). */
void vg_netsink_put(struct vg_netsink *n, uint64_t ts_ns, const char *key, size_t key_len, const char *data,
		    size_t len);
void vg_netsink_flush(struct vg_netsink *n);

/* -- on the sender thread -- */
/* Whether to go on: until stopped, then while connected and records remain, until the
 * drain deadline. */
bool vg_netsink_running(struct vg_netsink *n);
/* Sleeps the attempt-th retry delay (250 ms doubling to 30 s), waking early on stop. */
void vg_netsink_backoff(struct vg_netsink *n, unsigned attempt);
/* A failed send (counted in errors; said on stderr when the sink starts failing). */
void vg_netsink_fail(struct vg_netsink *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A successful send after failures: said once on stderr. */
void vg_netsink_recovered(struct vg_netsink *n);
/* Housekeeping between sends: fsync, persisted ack, resolved segments. */
void vg_netsink_maintain(struct vg_netsink *n);
uint64_t vg_netsink_mono_ns(void);

/* -- counters, any thread -- */
void vg_netsink_counters(struct vg_netsink *n, struct vg_sink_counters *c);
/* ,"connected":..,"spool":{...},"last_error":.. */
void vg_netsink_detail(struct vg_netsink *n, struct vg_buf *b);

#endif

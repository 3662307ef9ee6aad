/* writer.h — where `vigil collect` stores what many hosts sent: one table of functions per
 * store (the SQLite evidence store, ClickHouse, JSON lines).
 *
 * The consumer hands each record to add(), then commit()s the batch, and acknowledges the
 * batch's messages to JetStream only when commit() succeeded. A message can therefore
 * arrive again (an ack lost when a node failed, a collector restarted after its commit):
 * a writer that deduplicates keeps one row per (host_id, boot_id, seq), the record id. A
 * failed commit keeps what was added; the consumer calls commit() again after a backoff.
 */
#ifndef VIGIL_FLEET_WRITER_H
#define VIGIL_FLEET_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "output/buf.h"

/* One record as an agent sent it, with what the consumer read from it. Valid only during
 * add(). */
struct vg_fleet_record {
	const char *subject;   /* vigil.<host>.event.<type>, vigil.<host>.alert, vigil.<host>.stats */
	const char *record_id; /* host_id:boot_id:seq */
	const char *host_id, *boot_id;
	uint64_t seq;
	const char *kind;  /* "event", "alert" or "stats" */
	const char *host;  /* the agent's host name */
	const char *event; /* the event type ("exec"), or "" */
	const char *rule, *priority; /* alerts, or "" */
	uint64_t ts_ns;    /* the record's own time, ns since the epoch (UTC) */
	char day[11];      /* its UTC date, YYYY-MM-DD */
	const char *json;  /* the record, a JSON object */
	size_t len;
};

struct vg_fleet_writer;

struct vg_fleet_writer_type {
	const char *name;
	/* target is what the command line gave (a URL, a path). NULL with err set. */
	struct vg_fleet_writer *(*open)(const char *target, char *err, size_t errlen);
	int (*add)(struct vg_fleet_writer *w, const struct vg_fleet_record *r);
	/* 0 when everything added so far is stored; -1 with err set, keeping it for a retry. */
	int (*commit)(struct vg_fleet_writer *w, char *err, size_t errlen);
	/* Its members for the collector's stats line (",\"rows\":N"). */
	void (*stats)(struct vg_fleet_writer *w, struct vg_buf *b);
	void (*close)(struct vg_fleet_writer *w);
};

extern const struct vg_fleet_writer_type vg_fleet_clickhouse;
extern const struct vg_fleet_writer_type vg_fleet_jsonl;
extern const struct vg_fleet_writer_type vg_fleet_store;

#endif

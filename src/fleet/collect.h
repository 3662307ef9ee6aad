/* collect.h — `vigil collect`: a durable JetStream pull consumer with explicit acks that
 * writes what many agents publish into one store (writer.h).
 *
 * Batches of messages are fetched, parsed (record.h) and added to the writer; the batch is
 * committed, and only then are its messages acknowledged. A failed commit is retried with
 * backoff while the messages are kept in progress; a collector that dies before its acks
 * leaves them to be delivered again, which the store's dedup key absorbs. A message that
 * is not a vigil record is terminated (never redelivered) and counted as malformed. */
#ifndef VIGIL_FLEET_COLLECT_H
#define VIGIL_FLEET_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include "fleet/writer.h"

#define VG_COLLECT_SERVERS 16

struct vg_collect_opts {
	char *servers[VG_COLLECT_SERVERS];
	int nservers;
	const char *stream;   /* VIGIL */
	const char *subject;  /* vigil.> */
	const char *durable;  /* vigil-collect */
	const struct vg_fleet_writer_type *writer;
	const char *target;   /* the writer's URL or path */
	double duration;      /* stop after this many seconds (0: on SIGINT/SIGTERM) */
	double idle;          /* stop once no message came for this long (0: never) */
	double stats_interval;
	int batch;            /* messages per fetch and commit */
	uint64_t replicas;    /* of the stream, when collect creates it */
};

/* Runs until stopped; 0, or 1 when it could not start (the reason printed). */
int vg_collect_run(const struct vg_collect_opts *o);
/* nats://H:P[,H:P...] into o->servers. -1 on a bad list. */
int vg_collect_servers(struct vg_collect_opts *o, const char *url);

#endif

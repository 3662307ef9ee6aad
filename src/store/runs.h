/* runs.h — one agent run writing a store: exclusive, accounted, and honest after a crash.
 *
 * A run holds an exclusive lock on PATH-run (a small file beside the store) for as long as
 * it writes, so two agents never write one store, and a lock that can be taken proves the
 * previous writer is gone. The file also counts, in shared memory that survives the
 * process, the records the run accepted and the ones it dropped. The runs table counts
 * what each batch committed, in the batch's own transaction. So when a run ends without
 * closing (kill -9, a crash), the next one knows exactly how many records never reached
 * the file: accepted - committed - dropped, and says so. */
#ifndef VIGIL_STORE_RUNS_H
#define VIGIL_STORE_RUNS_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

struct st_counts {
	char magic[8];
	int64_t run;
	uint64_t accepted; /* records handed to the sink */
	uint64_t dropped;  /* records the sink dropped (queue full, failed batch) */
};

struct st_run {
	int64_t id;
	int fd;
	struct st_counts *counts; /* mapped PATH-run */
};

/* Locks the store for writing, reports (stderr, and in the runs table) what previous runs
 * that did not close lost, and starts a new run. -1 with err set. */
int st_run_begin(struct vg_store *st, struct st_run *r, char *err, size_t errlen);
/* The run closed cleanly: marks it so and releases the lock. */
void st_run_end(struct vg_store *st, struct st_run *r);

#endif

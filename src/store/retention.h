/* retention.h — keeping a store within its byte and age budgets, oldest first.
 *
 * Age: incidents whose last alert is older than max_age go (with their alerts), then
 * events older than max_age. Size: while the pages in use exceed max_bytes, the oldest
 * events go. Never deleted before their incident ages out: the evidence events of its
 * alerts. Processes, files and flows no event refers to any more go with the events that
 * named them, and a fleet store's delivery keys (`collected`) older than the oldest event
 * left. Every deleted row is counted (meta table, `vigil query stats`). The file
 * itself does not shrink: SQLite reuses the freed pages, so it stays near max_bytes. */
#ifndef VIGIL_STORE_RETENTION_H
#define VIGIL_STORE_RETENTION_H

#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"

struct st_retention {
	uint64_t max_bytes;  /* 0: no size budget */
	uint64_t max_age_ns; /* 0: no age budget */
	/* deleted by this run, for its stderr report */
	uint64_t events_by_age, events_by_size, incidents_by_age;
};

/* Enforces the budgets at wall time now, a bounded amount of work per call (one
 * transaction per chunk); returns whether it deleted anything (rows that a writer may
 * still remember are then gone). */
bool st_retention_run(struct vg_store *st, struct st_retention *r, uint64_t now);
/* Bytes of the file's pages in use (not free). */
uint64_t st_store_used_bytes(struct vg_store *st);

#endif

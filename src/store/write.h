/* write.h — applying batches to the store in transactions, on the writer
 * thread (ingest.c runs it). Processes, files and flows become rows the first time an
 * event names them; events reference them; alerts are filed into incidents. */
#ifndef VIGIL_STORE_WRITE_H
#define VIGIL_STORE_WRITE_H

#include <stdint.h>
#include "store/batch.h"
#include "store/store.h"

struct st_writer;

/* The host a writer writes for: the one its agent names records with. */
struct st_host {
	const char *host_id, *boot_id, *name;
};

/* A writer for run (runs.id) on st, writing this host's events (host NULL: the agent's
 * own store) or another's (`vigil collect --store`: a record with a record_seq is
 * written once per host boot however often it comes, and stats lines are kept as the
 * host's latest, hosts.stats). */
struct st_writer *st_writer_new(struct vg_store *st, int64_t run, const struct st_host *host);
void st_writer_free(struct st_writer *w);
/* Fleet records it skipped because they were stored already (delivered again). */
uint64_t st_writer_duplicates(const struct st_writer *w);
/* Forgets the row ids it remembers (after retention deleted rows). */
void st_writer_forget(struct st_writer *w);
/* Writes the n batches in one transaction (a writer behind its queue commits what is
 * queued at once: a commit's WAL frames and checkpoints are paid once, not per batch);
 * -1 (all rolled back, message on stderr) when one failed. */
int st_writer_apply(struct st_writer *w, const struct st_batch *const *batches, size_t n);

#endif

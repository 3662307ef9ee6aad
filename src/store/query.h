/* query.h — the questions an analyst asks the store (`vigil query`), and stored events
 * rendered as `vigil run` printed them (with their row id and the process as stored).
 *
 *   tree EXEC_ID      the process image and everything below it (forks, execs), with all
 *                     their events
 *   file PATH         every file that had that name (or matches a glob with *): who
 *                     created, wrote, renamed, linked, chmodded, read, executed, deleted it
 *   flow ADDR:PORT    the connections with that endpoint at either end (ADDR alone, or
 *                     :PORT, match any port or address) and the processes that owned them
 *   session ID        everything in a login session (ID: a session as the store names it,
 *                     or a session id number, for its most recent session)
 *   persistence       writes to the places that make code run again (cron, systemd, init,
 *                     shell profiles, authorized_keys, ld.so, PAM, accounts, autostart)
 *   events            stored events, by --event TYPE, --host NAME|ID
 *   stats             what the store holds, its runs (and what each lost) and retention
 * Every query but stats takes --since and --until, and --limit (default 1000 events, the
 * oldest first; "truncated" says when there were more). */
#ifndef VIGIL_STORE_QUERY_H
#define VIGIL_STORE_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "output/buf.h"
#include "store/store.h"

struct vg_query {
	const char *what;  /* tree, file, flow, session, persistence, events, stats */
	const char *arg;   /* EXEC_ID, PATH, ADDR:PORT, ID; NULL for the others */
	uint64_t since, until; /* wall ns; 0: unbounded */
	const char *event; /* events: a type name */
	const char *host;  /* events: a host's name or id */
	int limit;
	bool json;
	bool check;        /* stats: also run SQLite's quick_check */
};

/* Runs q and writes its answer to out; -1 with err set for a bad question. */
int vg_store_query(struct vg_store *st, const struct vg_query *q, FILE *out, char *err, size_t errlen);
/* The stored event id as a JSON object; -1 when there is none. */
int vg_store_event_json(struct vg_store *st, int64_t id, struct vg_buf *b);
/* The stored event id with its context: {"event":{as vg_store_event_json},"ancestors":[the
 * processes of its process's ancestry, parent first, as the tree query lists processes],
 * "alerts":[{"id","incident","rule","priority"} of the alerts it is evidence of]}; -1 when
 * there is no such event. */
int vg_store_event_context_json(struct vg_store *st, int64_t id, struct vg_buf *b);
/* The events of one row of procs (kind 'p'), files ('f', as file or second file) or flows
 * ('n') between since and until (0: no end), oldest first, at most limit:
 * {"events":[as vg_store_event_json],"truncated":BOOL}. -1 for another kind. */
int vg_store_row_events_json(struct vg_store *st, char kind, int64_t row, uint64_t since, uint64_t until, int limit,
			     struct vg_buf *b);
/* The persistence locations the persistence query looks at, as SQLite GLOB patterns (one
 * table, NULL-terminated). */
extern const char *const vg_persistence_globs[];

#endif

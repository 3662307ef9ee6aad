/* batch.h — what the agent's thread hands the store's writer: a batch of records copied
 * out of events and alerts (which live only during the sink call), in arrival order.
 *
 * Copying is the only work on the agent's hot path: a process image once per batch
 * (st_proc), then per event its identity, its fields as the JSON object `vigil run`
 * prints, and the keys the writer resolves to rows (paths and inode, 5-tuple).
 * Strings live in the batch's text buffer (NUL-terminated) and are named by offset. */
#ifndef VIGIL_STORE_BATCH_H
#define VIGIL_STORE_BATCH_H

#include <stdbool.h>
#include <stdint.h>
#include "event.h"
#include "output/buf.h"

struct vg_alert;

struct st_str {
	uint32_t off, len; /* len 0: absent */
};

struct st_proc {
	struct st_str exec_id, parent_exec_id, session, tree, user, comm, exe, argv, cwd, tty;
	struct st_str container, ssh, ld_preload, ancestry;
	int32_t pid, ppid, pgid, sid;
	uint32_t uid, euid, gid, auid;
	uint64_t started, exec_time; /* wall ns */
	char kind;                   /* 'e' seen at its exec, 'f' forked, 'p' found in /proc */
};

struct st_event {
	uint64_t ts, seq;
	uint32_t cpu;
	int32_t ret;
	uint16_t type;
	uint32_t proc;               /* index of its st_proc record */
	struct st_str fields;        /* JSON object */
	struct st_str path, newpath; /* the file(s) it names */
	uint64_t dev, ino;           /* of path, when the kernel gave them (ino 0: unknown) */
	bool symlink;
	bool has_flow;
	char proto[8];
	char sip[48], dip[48];
	int32_t sport, dport;
	int32_t exit_code;           /* exit */
	bool write_open;             /* an open for writing */
};

struct st_alert {
	uint64_t ts;
	struct st_str rule, tags, desc, output;
	int priority;
	uint32_t tactics;   /* incident/tactics.h bits of its tags */
	int action;         /* enum vg_action */
	bool killed, denied;
	uint32_t proc;      /* the triggering event's process */
	uint32_t nevidence; /* its evidence: the ST_EVIDENCE records since the previous alert */
};

enum st_kind {
	ST_PROC,
	ST_EVENT,    /* an event the sink received */
	ST_EVIDENCE, /* an alert's evidence: stored only if no stored event has its identity */
	ST_ALERT,
	ST_STATS,    /* the agent's stats line (text = its JSON) */
};

struct st_rec {
	enum st_kind kind;
	uint64_t record_seq; /* a fleet record's sequence number (its record_id's), 0 for the agent's own */
	union {
		struct st_proc proc;
		struct st_event ev;
		struct st_alert alert;
		struct st_str stats;
	};
};

struct st_batch {
	struct st_batch *next;
	struct st_rec *recs;
	uint32_t n, cap;
	struct vg_buf text;
	uint64_t records;  /* sink records (events, alerts, stats) it carries */
	uint64_t bytes;    /* memory it holds */
	uint64_t born_ns;  /* boot ns of its first record */
	/* this batch's process images by exec_id: slot -> record index + 1 */
	uint32_t *procs;
	uint32_t nprocs, proc_slots;
};

/* Field definitions the batch reads, resolved once (vg_field_find). */
void st_batch_init_fields(void);
struct st_batch *st_batch_new(void);
void st_batch_free(struct st_batch *b);
/* Empties b for reuse, keeping its memory (a batch's buffers grow once, not per batch). */
void st_batch_reset(struct st_batch *b);
void st_batch_event(struct st_batch *b, const struct vg_event *ev);
void st_batch_alert(struct st_batch *b, const struct vg_alert *a, bool killed, bool denied);
void st_batch_stats(struct st_batch *b, const char *json, size_t len);
/* Building records from something else than a live event (`vigil collect --store` reads
 * them from the agents' JSON): a new zeroed record, a string copied into the batch, and
 * the ST_PROC record of exec_id (found, or added with its exec_id set and *fresh true
 * for the caller to fill). */
struct st_rec *st_batch_add(struct st_batch *b, enum st_kind kind);
struct st_str st_batch_put(struct st_batch *b, const char *p, size_t len);
uint32_t st_batch_proc(struct st_batch *b, const char *exec_id, bool *fresh);
/* Closes the string appended to b->text since mark (a JSON array built in place). */
struct st_str st_batch_since(struct st_batch *b, size_t mark);
static inline const char *st_text(const struct st_batch *b, struct st_str s)
{
	return s.len ? b->text.p + s.off : NULL;
}

/* The exec_id naming the tree a process belongs to: the ancestor just below the first
 * root met walking up (pid 1, kernel threads, and the service managers and listeners
 * that start one child per client or job: sshd, cron, container shims), or the topmost
 * known ancestor. self is the process's own identity; anc its ancestors, parent first. */
const char *st_tree_root(const char *self_exec_id, const struct vg_ancestor *anc, int nanc);

#endif

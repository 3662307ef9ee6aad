/* internal.h — what the enforce module's files share (src/enforce/); not public API.
 *
 * table.c builds the deny table from a ruleset's pins (vg_rules_deny_pins) and decides a
 * file against it; fanotify.c and lsm.c are the backends; enforce.c picks a backend, owns
 * the denial queue between the deciding thread and the thread that reports, and turns
 * denials into alerts. */
#ifndef VIGIL_ENFORCE_INTERNAL_H
#define VIGIL_ENFORCE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include "enforce/enforce.h"
#include "vigil_event.h"

#define DENY_PINS_MAX 1024

/* ---- the deny table (table.c): immutable once built ---- */
struct deny_entry {
	enum vg_deny_kind kind;
	bool prefix;             /* the path and everything below it */
	char *path;              /* absolute, no trailing '/' (except "/" itself) */
	size_t len;
	char *rule;              /* the rule's name (copied: a reload frees the ruleset) */
	bool has_key;            /* the path existed when the table was built */
	struct vg_inode_key key; /* its inode then */
};

struct deny_table {
	int n;
	struct deny_entry *entries;     /* sorted by (kind, path) */
	int nkeys;
	struct deny_key *keys;          /* inodes of entries, sorted */
	bool paths[2];                  /* per kind: some entry needs the path to decide */
};
struct deny_key {
	struct vg_inode_key key;
	int kind;
	int entry;
};

/* NULL (why set) when a pin is unusable; an empty table when rs denies nothing. */
struct deny_table *deny_table_build(const struct vg_ruleset *rs, char *why, size_t len);
void deny_table_free(struct deny_table *t);
const struct deny_entry *deny_by_key(const struct deny_table *t, enum vg_deny_kind kind,
				     const struct vg_inode_key *key);
const struct deny_entry *deny_by_path(const struct deny_table *t, enum vg_deny_kind kind,
				      const char *path);
/* The decision for an open descriptor: its inode (statx, never synced with a remote
 * server), then when some entry needs it, its path as the kernel names the open file
 * (/proc/self/fd, which reads the dentry, not the filesystem). path receives the path
 * when it was read ("" otherwise). Returns the matching entry or NULL; *ok is false when
 * the file could not be identified. */
const struct deny_entry *deny_decide_fd(const struct deny_table *t, enum vg_deny_kind kind, int fd,
					char *path, size_t pathlen, bool *ok);
/* The kernel's encoding of a device (major << 20 | minor), as BPF sees s_dev. */
uint64_t deny_kdev(unsigned major, unsigned minor);
/* The path without trailing slashes, into out; false when it does not fit. */
bool deny_normalize(const char *path, char *out, size_t len);

struct enforce_counters {
#define VG_ENFORCE_FIELD(name) _Atomic uint64_t name;
	VG_ENFORCE_COUNTERS(VG_ENFORCE_FIELD)
#undef VG_ENFORCE_FIELD
};

/* ---- denials, from the deciding thread to the reporting one (single producer, single
 * consumer ring: the deciding side never waits) ---- */
#define DENIAL_SLOTS 128

struct denial {
	uint64_t ts;             /* boot ns */
	uint32_t pid;
	enum vg_deny_kind kind;
	bool enforced;           /* false in audit mode */
	bool kernel_hdr;         /* hdr was filled by the kernel (BPF-LSM) */
	struct vg_hdr hdr;
	char rule[128];
	char path[VG_PATH_MAX];
};

/* ---- backends ---- */
struct vg_enforcer;
struct enforce_backend {
	const char *name;        /* "lsm", "fanotify" */
	const char *what;        /* how it decides, for `vigil probes` and the stats line */
	/* Whether this kernel can run it; false with the reason in why. */
	bool (*available)(const struct vg_features *f, char *why, size_t len);
	int (*start)(struct vg_enforcer *e, char *why, size_t len);
	/* Makes t the table in force (marks or maps follow it); the backend owns t from now,
	 * also on failure. */
	int (*apply)(struct vg_enforcer *e, struct deny_table *t, char *why, size_t len);
	void (*stop)(struct vg_enforcer *e);
};

extern const struct enforce_backend enforce_lsm;
extern const struct enforce_backend enforce_fanotify;

struct vg_enforcer {
	struct vg_enforce_opts o;
	struct vg_features f;
	const struct enforce_backend *backend; /* NULL until some rule denies */
	void *impl;                            /* the backend's state */
	struct enforce_counters c;
	struct denial *ring;                   /* DENIAL_SLOTS */
	_Atomic unsigned head, tail;           /* producer writes head, consumer tail */
	struct vg_event *ev;                   /* scratch for the evidence event */
	bool any_rules;                        /* the table in force denies something */
};

/* Producer side: queues a denial (counts alerts_dropped when the ring is full). */
void enforce_push(struct vg_enforcer *e, const struct denial *d);

#endif

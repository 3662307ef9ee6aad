/* enforce.h — deny rules made real: an exec or open that a deny rule pins fails with EPERM
 * before the program runs an instruction or the file is read, and each denial becomes an
 * alert of its rule, with the process that tried and the file as evidence.
 *
 * Two backends (enforce.c lists them, in order of preference): BPF-LSM programs
 * (bpf/enforce.bpf.c: lsm/bprm_check_security and lsm/file_open deny by inode in the
 * kernel), used where the kernel loads lsm/ programs; else fanotify permission events
 * (FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM), as fapolicyd and Microsoft's Linux agent use them.
 * The fanotify path must never hang the host: a decision thread answers from what the
 * kernel holds for the opened file (its inode, and its path from the open descriptor,
 * never a lookup by name), a watchdog answers FAN_ALLOW for anything pending past the
 * timeout or while the decision thread is stalled, and every such fail-open is counted.
 * If vigil dies the kernel allows whatever was pending.
 *
 * Kill at exec (src/loader, rules with action kill) stays for what neither backend sees. */
#ifndef VIGIL_ENFORCE_H
#define VIGIL_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "loader/features.h"
#include "output/buf.h"
#include "rules/rules.h"

struct vg_proctable;
struct vg_enforcer;

struct vg_enforce_opts {
	bool audit;          /* --deny-mode audit: decide and report, but allow */
	unsigned timeout_ms; /* fanotify: the longest a permission event waits [250] */
};

/* An enforcer with no rules yet (nothing is marked or loaded until some rule denies).
 * Aborts when out of memory. */
struct vg_enforcer *vg_enforce_new(const struct vg_enforce_opts *o, const struct vg_features *f);
/* Makes rs's deny rules the ones enforced (replacing the previous set without a gap);
 * starts the backend on first use. -1 with why when rs denies something and no backend
 * works here, or a pinned path cannot be marked; the previous set then stays. */
int vg_enforce_rules(struct vg_enforcer *e, const struct vg_ruleset *rs, char *why, size_t len);
/* Turns the denials decided since the last call into alerts of their rules (through
 * vg_rules_alert, so they are rate-limited like any alert). Call from the thread that owns
 * rs and pt; returns how many alerts were delivered. */
int vg_enforce_report(struct vg_enforcer *e, struct vg_ruleset *rs, struct vg_proctable *pt,
		      vg_alert_fn fn, void *ctx);
/* ---- counters, shown in the stats line (output/stats.c) ---- */
#define VG_ENFORCE_COUNTERS(X)                                                               \
	X(decisions)        /* permission events decided */                                     \
	X(denied)           /* refused with EPERM */                                            \
	X(audited)          /* would have been refused (--deny-mode audit) */                   \
	X(failopen_timeout) /* allowed by the watchdog: no answer within the timeout */         \
	X(failopen_stalled) /* allowed by the watchdog while the decision thread was stalled */ \
	X(failopen_full)    /* allowed at once: more events in flight than decision slots */    \
	X(failopen_error)   /* allowed: the file could not be identified */                     \
	X(queue_overflow)   /* the kernel's queue overflowed (the kernel allowed those) */      \
	X(alerts_dropped)   /* denials whose alert was lost: the alert queue was full */

struct vg_enforce_stats {
	const char *mechanism; /* the backend's name */
	bool audit;
	unsigned timeout_ms;
#define VG_ENFORCE_STAT(name) uint64_t name;
	VG_ENFORCE_COUNTERS(VG_ENFORCE_STAT)
#undef VG_ENFORCE_STAT
};

/* The mechanism, mode and counters now into out; false (out untouched) when no rule has
 * denied anything yet (no backend runs). */
bool vg_enforce_stats(const struct vg_enforcer *e, struct vg_enforce_stats *out);
/* Removes every mark and program (pending events are allowed) and frees e. */
void vg_enforce_free(struct vg_enforcer *e);

/* For `vigil probes`: the backend deny rules would use here and why the others do not. */
void vg_enforce_describe(const struct vg_features *f, char *out, size_t len);

#endif

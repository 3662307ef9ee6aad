/* integrity.h — periodic checks of the host's integrity, as far as BPF and user space can
 * see it (Elkeid's anti-rootkit checks): kernel functions whose entry was patched (ftrace,
 * kprobes, trampolines, inline hooks) and the syscall dispatcher changed, tracing probes
 * defined in tracefs, BPF programs other processes hold, processes the kernel runs that
 * /proc does not show (or shows another in their place), and system files replaced, mounted
 * over or hidden. Each check is one file (src/integrity/<check>.c).
 *
 * The checks run on a thread of their own, every interval, off the event path; what they
 * find becomes integrity events (bpf/integrity_event.h) that the agent takes in its loop
 * and hands to the pipeline like ring records, so the rules engine alerts on them (one
 * default rule per check, rules/integrity.yaml) and rule exceptions tune them. A finding is
 * reported when it appears, not again while it stays. */
#ifndef VIGIL_INTEGRITY_H
#define VIGIL_INTEGRITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "integrity_event.h"
#include "output/buf.h"

struct vg_integrity_checks;

/* What the checks look at. */
struct vg_integrity_opts {
	double interval; /* seconds between passes */
	const char *root; /* system_files checks the tree at root ("" or NULL: /): a container's
			   * file system, a mounted disk */
};

/* Whether a check runs here, and why not. */
struct vg_integrity_status {
	const char *name;
	bool available;
	char why[256]; /* when not available: the reason; when available: what it covers */
};

/* Finds out which checks run on this host (loading what they need); fills st[VG_CHECK__COUNT]. */
void vg_integrity_probe(const struct vg_integrity_opts *o, struct vg_integrity_status st[VG_CHECK__COUNT]);

/* Starts the checks' thread: every check that runs here, now and every o->interval
 * seconds (o is copied). NULL with err set when the thread cannot start. */
struct vg_integrity_checks *vg_integrity_start(const struct vg_integrity_opts *o, char *err, size_t errlen);
/* Hands each finding reported since the last call to fn as one record (struct vg_hdr, then
 * struct vg_integrity and its strings); returns how many. Called from the agent's loop. */
int vg_integrity_take(struct vg_integrity_checks *ig, int (*fn)(void *ctx, const void *rec, size_t size), void *ctx);
/* For the stats line (output/stats.c): passes, findings, records dropped, and the CPU
 * milliseconds of the last pass of each check that runs here. */
struct vg_integrity_stats {
	uint64_t passes, findings, dropped;
	unsigned nchecks;
	struct {
		const char *name;
		double cpu_ms;
	} checks[VG_CHECK__COUNT];
};
/* The counters now into out; false when no checks run (ig NULL). */
bool vg_integrity_stats(const struct vg_integrity_checks *ig, struct vg_integrity_stats *out);
/* Stops the thread and frees everything (NULL is fine). */
void vg_integrity_stop(struct vg_integrity_checks *ig);

#endif

/* hooks.h — which BPF programs make each event, by mechanism, in order of preference.
 *
 * An event is one or more components (e.g. exec = the successful-exec hook + the failed-exec
 * hooks). Each component lists alternatives; the loader uses the first whose programs all
 * load and attach, and falls back to the next when one does not. Optional components may
 * be missing without the event being reported unavailable (it is reported degraded). */
#ifndef VIGIL_HOOKS_H
#define VIGIL_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#define VG_ALT_MAX 3
#define VG_ALT_PROGS 8

struct vg_hook_alt {
	const char *mechanism; /* "tp_btf", "raw_tp", "tracepoint", "kprobe", "fentry", "lsm", ... */
	const char *progs[VG_ALT_PROGS]; /* BPF program (function) names, NULL-terminated */
};

struct vg_hook {
	unsigned type;    /* enum vg_type */
	const char *what; /* what this component observes, for `vigil probes` */
	unsigned optional; /* false (required), true, or VG_SANDBOX_ONLY */
	struct vg_hook_alt alts[VG_ALT_MAX];
};

/* An optional component that costs every syscall (or similar): attached only with
 * --profile sandbox. */
#define VG_SANDBOX_ONLY 2

struct vg_hook_table {
	const struct vg_hook *hooks;
	size_t count;
};

/* One table per domain (loader/hooks_<domain>.c); hooks.c lists them. */
extern const struct vg_hook_table vg_hooks_proc;
extern const struct vg_hook_table vg_hooks_net;
extern const struct vg_hook_table vg_hooks_file;
extern const struct vg_hook_table vg_hooks_priv;

const struct vg_hook *vg_hook_at(size_t i); /* i from 0 until NULL */

#endif

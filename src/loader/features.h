/* features.h — what this kernel lets vigil do, found by loading and attaching tiny BPF
 * programs rather than by reading version numbers. `vigil probes` prints it; the loader
 * reads it to pick each event's hook (fentry, LSM or kprobe where they work, tracepoints
 * where they do not) and vg_features_fatal() says when vigil cannot run at all.
 */
#ifndef VIGIL_FEATURES_H
#define VIGIL_FEATURES_H

#include <stdbool.h>
#include <stdio.h>

/* Every yes/no capability, in the order they are printed. */
#define VG_FEATURES(X)                                                                 \
	X(privileged) X(btf) X(tracefs) X(tracepoint) X(tp_btf) X(raw_tp) X(kprobe)        \
	X(fentry) X(lsm_prog) X(uprobe) X(ringbuf) X(send_signal) X(bpf_loop)             \
	X(task_storage) X(uevent)

/* The ones probed through bpf(), which without privilege all say "needs root". */
#define VG_BPF_FEATURES(X)                                                             \
	X(tracepoint) X(tp_btf) X(raw_tp) X(kprobe) X(fentry) X(lsm_prog) X(uprobe)        \
	X(ringbuf) X(send_signal) X(bpf_loop) X(task_storage)

#define VG_WHY_LEN 128

struct vg_features {
	char release[65];       /* uname -r */
	char lockdown[32];      /* "none", "integrity", "confidentiality" or "unknown" */
	char lsm[256];          /* active LSMs, comma separated, or "unknown" */
	char why_security[VG_WHY_LEN]; /* why lockdown and lsm are "unknown" */
	char tracefs_path[64];  /* e.g. "/sys/kernel/tracing"; "" without tracefs */
	/* For each feature X: bool X, and why_X saying why X is false (never empty then).
	 * When X is true why_X is usually empty but may hold a note (e.g. tracefs mounted). */
#define VG_FEATURE_FIELDS(name) bool name; char why_##name[VG_WHY_LEN];
	VG_FEATURES(VG_FEATURE_FIELDS)
#undef VG_FEATURE_FIELDS
};

/* Fills f. Never fails: whatever cannot be probed is false with a reason. May mount
 * tracefs or securityfs when they are missing and we are root. Always returns 0. */
int vg_features_probe(struct vg_features *f);

/* Text: aligned "name  yes/no  reason" lines; json: one object on one line. */
void vg_features_print(FILE *out, const struct vg_features *f, bool json);

/* NULL when vigil can run at all, else a one-line reason why it cannot. */
const char *vg_features_fatal(const struct vg_features *f);

#endif

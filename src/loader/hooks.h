/* hooks.h — which BPF programs make each event, by mechanism, in order of preference.
 *
 * An event is one or more components (e.g. exec = the successful-exec hook + the failed-exec
 * hooks). Each component lists alternatives; the loader uses the first whose mechanism
 * this kernel has (features.h) and whose programs all load and attach, and falls back to
 * the next when one does not. Optional components may be missing without the event being
 * reported unavailable (it is reported degraded).
 *
 * Programs are named by their skeleton handle (VG_PROG), so a name that is not a program
 * of bpf/vigil.bpf.c does not compile. */
#ifndef VIGIL_HOOKS_H
#define VIGIL_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include "loader/features.h"
#include "loader/uprobe.h"
#include "vigil.skel.h"

#define VG_ALT_MAX 3
#define VG_ALT_PROGS 8

/* X(ENUM, "name", feature): a kind of hook, and the vg_features flag that says whether
 * this kernel loads it. */
#define VG_MECHANISMS(X)                                                                \
	X(TRACEPOINT, "tracepoint", tracepoint) X(TP_BTF, "tp_btf", tp_btf)             \
	X(RAW_TP, "raw_tp", raw_tp) X(KPROBE, "kprobe", kprobe) X(FENTRY, "fentry", fentry) \
	X(LSM, "lsm", lsm_prog) X(UPROBE, "uprobe", uprobe) X(NETLINK, "netlink", uevent) \
	X(SCAN, "scan", privileged)

enum vg_mechanism {
#define VG_MECH_ENUM(e, name, feature) VG_MECH_##e,
	VG_MECHANISMS(VG_MECH_ENUM)
#undef VG_MECH_ENUM
};

/* A mechanism of user space alone (no program of the sensor object: the agent reads what
 * the kernel sends, src/reader/uevent.c, or runs periodic checks, src/integrity);
 * "attached" once chosen. */
#define VG_MECH_USERSPACE(m) ((m) == VG_MECH_NETLINK || (m) == VG_MECH_SCAN)

/* A program of the sensor object, as the offset of its handle in the skeleton. */
#define VG_PROG(name) offsetof(struct vigil_bpf, progs.name)

struct vg_hook_alt {
	enum vg_mechanism mechanism;
	const char *helper;              /* a helper this alternative needs beyond the mechanism
					  * (shown as "tracepoint+find_vma"), or NULL */
	size_t progs[VG_ALT_PROGS];      /* VG_PROG(...) handles, 0-terminated */
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

/* Whether alternative a of h is there (the rest of alts[] is zeroed). */
#define VG_ALT_EXISTS(h, a) ((h)->alts[a].progs[0] || VG_MECH_USERSPACE((h)->alts[a].mechanism))

struct vg_hook_table {
	const struct vg_hook *hooks;
	size_t count;
};

/* One table per domain (loader/hooks_<domain>.c); hooks.c lists them. */
extern const struct vg_hook_table vg_hooks_proc;
extern const struct vg_hook_table vg_hooks_net;
extern const struct vg_hook_table vg_hooks_file;
extern const struct vg_hook_table vg_hooks_priv;
extern const struct vg_hook_table vg_hooks_shell;
extern const struct vg_hook_table vg_hooks_device;
extern const struct vg_hook_table vg_hooks_uring;
extern const struct vg_hook_table vg_hooks_integrity;

/* What a uprobe program probes (the function, found on the host at attach time): every
 * program of a VG_MECH_UPROBE alternative has one, listed beside its domain's hooks. */
struct vg_uprobe_binding {
	size_t prog; /* VG_PROG(...) */
	struct vg_uprobe_target target;
};

extern const struct vg_uprobe_binding vg_uprobe_bindings[];
extern const size_t vg_uprobe_nbindings;

const struct vg_hook *vg_hook_at(size_t i); /* i from 0 until NULL */
/* The target of uprobe program handle prog, or NULL when it is not a uprobe program. */
const struct vg_uprobe_target *vg_hook_uprobe(size_t prog);

const char *vg_mechanism_name(enum vg_mechanism m);
/* Whether the kernel f describes loads m; false with its reason in *why. */
bool vg_mechanism_available(const struct vg_features *f, enum vg_mechanism m, const char **why);
/* The program behind handle offset off in skel. */
struct bpf_program *vg_hook_prog(const struct vigil_bpf *skel, size_t off);

#endif

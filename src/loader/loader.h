/* loader.h — opens, loads and attaches vigil's BPF object for a set of wanted events,
 * choosing per component the first mechanism that works (see hooks.h), and reports
 * per event what it uses or why it cannot. */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "agent_event.h"
#include "loader/features.h"
#include "loader/pin.h"
#include "vigil_event.h"

#define VG_HOOKS_MAX 96

struct vigil_bpf;
struct bpf_link;
struct bpf_program;

struct vg_hook_state {
	int alt;            /* chosen alternative, -1 when none works */
	bool failed[3];     /* alternatives ruled out */
	char why[160];      /* the last failure, for the report */
	bool attached;
};

/* Settings fixed at load time (BPF read-only data). */
struct vg_kconfig {
	size_t ring_size;
	unsigned rate_per_sec; /* per exe and event type; 0 = unlimited */
	unsigned rate_burst;
	bool allow_cmdlines;   /* the cmdline allowlist will have entries */
	bool sandbox;          /* the sandbox profile: VG_SANDBOX_ONLY hooks may attach */
	const char *pin_dir;   /* maps and links pinned there (pin.h); NULL: not pinned */
};

#define VG_KILL_EXES_MAX 256
#define VG_ALLOW_MAX 64

/* What user space wrote into the maps it owns, to check them against (vg_loader_verify). */
struct vg_loader_wrote {
	bool interest[VG_EV__COUNT];
	struct vg_inode_key kill[VG_KILL_EXES_MAX];
	int nkill;
	struct vg_inode_key allow_exe[VG_ALLOW_MAX];
	int nallow_exe;
	__u64 allow_cmd[VG_ALLOW_MAX];
	int nallow_cmd;
	struct vg_self_key self[VG_SELF_OBJECTS_MAX];
	int nself;
};

struct vg_loader {
	struct vigil_bpf *skel;
	bool want[VG_EV__COUNT];   /* loaded */
	bool active[VG_EV__COUNT]; /* attached (last vg_loader_attach_types) */
	struct vg_hook_state hooks[VG_HOOKS_MAX];
	struct bpf_link *links[VG_HOOKS_MAX * 2]; /* per program, NULL when detached */
	struct bpf_program *link_prog[VG_HOOKS_MAX * 2];
	int nlinks;
	struct vg_kconfig kc;
	struct vg_features features; /* what this kernel loads: mechanisms it lacks are not tried */
	struct vg_pins pins;         /* kc.pin_dir: where the maps and links are pinned */
	uint64_t layout;             /* the object's layout key (pin.h) */
	struct vg_control *control;  /* the control map, mmapped */
	struct vg_loader_wrote wrote;
	uint64_t exe_window_ns;      /* of the filter in force (vg_loader_set_filter) */
};

/* Loads the programs of the events in want (nothing attached yet), using only the
 * mechanisms features says this kernel has; with kc->pin_dir, into the maps an earlier
 * agent pinned there when they fit (pin.h). Returns 0 when the object loaded (some events
 * may be unavailable: see vg_loader_report), -1 with err set when nothing can run. The
 * object reports nothing until vg_loader_go_live. */
int vg_loader_start(struct vg_loader *l, const bool want[VG_EV__COUNT], const struct vg_kconfig *kc,
		    const struct vg_features *features, char *err, size_t errlen);
/* Makes exactly the hooks of types attached (a subset of what was loaded), attaching and
 * detaching as needed; the ring buffer and maps are untouched, so nothing already
 * captured is lost. -1 when some hook did not attach (see vg_loader_report). */
int vg_loader_attach_types(struct vg_loader *l, const bool types[VG_EV__COUNT]);
/* Whether type's programs were loaded (and so can be attached without a reload). */
bool vg_loader_loaded(const struct vg_loader *l, unsigned type);
/* Makes this object the one that reports (and the caller the agent whose own activity is
 * not reported); with pins, then lets an earlier agent's links go. Call once the maps are
 * written. */
void vg_loader_go_live(struct vg_loader *l);
/* Stops new events (links destroyed) but keeps maps readable for a final drain. Pinned
 * links stay attached instead: the sensors keep recording for the next agent. */
void vg_loader_detach(struct vg_loader *l);
void vg_loader_free(struct vg_loader *l);
/* Writes the interest map: the kernel builds only these event types. */
int vg_loader_set_interest(struct vg_loader *l, const bool interest[VG_EV__COUNT]);
/* Whether every required component of type is attached. */
bool vg_loader_event_ok(const struct vg_loader *l, unsigned type);
/* Per event: "mechanism (what), ..." or "unavailable: why", into out. */
void vg_loader_describe(const struct vg_loader *l, unsigned type, char *out, size_t len);
/* The catalogue as a Markdown table: every event with its id, profile and hook components,
 * each with its mechanisms in the order the loader tries them. Needs no kernel: it is the
 * tables themselves (docs/events.md includes it). */
void vg_loader_catalog_markdown(FILE *out);
/* Warns on stderr about every attached event that is unavailable or degraded. */
void vg_loader_report(const struct vg_loader *l);

/* Allowlist entries: an executable (by inode) or a command line ("prog arg ..."; arguments
 * separated by single spaces). -1 with errno when the file cannot be stat'ed or the map
 * is full. The kernel decides at exec; vg_loader_allow_running decides for the rest. */
int vg_loader_allow_exe(struct vg_loader *l, const char *path);
int vg_loader_allow_cmdline(struct vg_loader *l, const char *cmdline);
/* Marks the processes running now whose executable or command line the allowlists hold
 * (from /proc, as the kernel would have at their exec); returns how many. */
int vg_loader_allow_running(struct vg_loader *l);
/* The hash the kernel computes over argv as captured (NUL-separated, NUL-terminated). */
uint64_t vg_cmdline_hash(const char *argv, size_t len);
/* Replaces the set of executables killed at exec by the kernel; returns how many of the
 * paths exist (a path that does not exist yet is skipped; user space still kills it on
 * the alert). */
int vg_loader_kill_exes(struct vg_loader *l, const char *const *paths, int n);

/* A file's inode in the kernel's encoding (s_dev is major << 20 | minor), as the BPF maps
 * key files; vg_inode_key_of returns -1 with errno when path cannot be stat'ed. */
struct stat;
struct vg_inode_key vg_inode_key_from_stat(const struct stat *st);
int vg_inode_key_of(const char *path, struct vg_inode_key *key);

/* The kernel's reason for rejecting a program: the last line of its verifier log that is
 * not the closing statistics ("processed N insns ...", "verification time ..."). Trims
 * log in place. */
const char *vg_verifier_reason(char *log);

/* The programs attached now (for their kernel time); returns how many, at most max. */
size_t vg_loader_attached_progs(const struct vg_loader *l, struct bpf_program **out, size_t max);
/* Checks the maps user space owns (interest, kill and allow lists, its own objects, the
 * control map and every pin) against what it wrote, restores them, and hands each
 * difference to found (the map or link, what was wrong). Returns how many. */
typedef void (*vg_tamper_fn)(void *ctx, unsigned check, const char *object, const char *detail);
int vg_loader_verify(struct vg_loader *l, vg_tamper_fn found, void *ctx);
/* The rules' kernel filter (src/loader/filter.c): what the kernel may drop before building
 * a record. whole[t]: every event of type t must reach user space (a sink prints them, a
 * recording keeps them), so t is not filtered. -1 with errno when a map write fails. */
struct vg_kernel_filter;
int vg_loader_set_filter(struct vg_loader *l, const struct vg_kernel_filter *kf, const bool whole[VG_EV__COUNT]);
/* Forgets executables whose exec is older than the filter's EXE window (boot ns now);
 * returns how many. */
int vg_loader_prune_exes(struct vg_loader *l, uint64_t now_boot_ns);

int vg_loader_ring_fd(const struct vg_loader *l);
int vg_loader_seq_fd(const struct vg_loader *l);
int vg_loader_drops_fd(const struct vg_loader *l);

#endif

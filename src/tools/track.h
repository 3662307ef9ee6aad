/* track.h — the trackers' BPF object (bpf/track.bpf.c) from user space, for `vigil top`
 * and the agent's `--trackers`: load and attach it on the tool framework, then end an
 * interval (vg_track_turn) and take what was counted in it (each take empties what it
 * reads, so a take is an interval's worth and the kernel's caps hold only what was active
 * in between). */
#ifndef VIGIL_TRACK_H
#define VIGIL_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "track_event.h"

struct vg_tool_ctx;
struct vg_track;
struct bpf_object;

/* What a run counts beyond per cgroup (each off saves kernel work on every syscall). */
struct vg_track_opts {
	bool per_process; /* vg_track_take_procs */
	bool by_syscall;  /* vg_track_take_syscalls */
	bool pipes;       /* vg_track_take_pairs */
};

/* Loads and attaches the object with t's filter (-p, -c); NULL when it cannot (said on
 * stderr through t, as `vigil probes` would). */
struct vg_track *vg_track_open(struct vg_tool_ctx *t, const struct vg_track_opts *o);
void vg_track_close(struct vg_track *tr);
/* The object's ELF image (its hooks, for `vigil trace --list` and the docs). */
const void *vg_track_elf_bytes(size_t *size);
/* The loaded object (its programs' kernel time, for the metrics). */
struct bpf_object *vg_track_object(const struct vg_track *tr);

struct vg_track_proc_row {
	uint32_t pid;
	uint32_t uid;
	uint64_t start_time, cgroup_id;
	char comm[VG_COMM_LEN];
	struct vg_track_counts c;
};

struct vg_track_cgroup_row {
	uint64_t cgroup_id;
	struct vg_track_counts c;
};

struct vg_track_syscall_row {
	uint64_t cgroup_id;
	uint32_t nr; /* x86-64 number, or VG_TRACK_NR_IA32 */
	uint64_t count;
};

struct vg_track_pair_row {
	uint64_t cgroup_id, owner; /* the cgroup that used the pipe, the one that made it */
	uint64_t pipes, bytes;
};

/* Ends the interval: what the programs count from now on is for the next turn's takes.
 * Returns once nothing counts into the ended interval any more (a grace period, about
 * 10 ms: bpf/track_event.h), so that its takes are exact. */
void vg_track_turn(struct vg_track *tr);
/* Each takes up to max rows of the intervals ended by vg_track_turn (summed over CPUs);
 * returns how many. */
size_t vg_track_take_procs(struct vg_track *tr, struct vg_track_proc_row *out, size_t max);
size_t vg_track_take_cgroups(struct vg_track *tr, struct vg_track_cgroup_row *out, size_t max);
size_t vg_track_take_syscalls(struct vg_track *tr, struct vg_track_syscall_row *out, size_t max);
size_t vg_track_take_pairs(struct vg_track *tr, struct vg_track_pair_row *out, size_t max);

void vg_track_counts_add(struct vg_track_counts *to, const struct vg_track_counts *c);
bool vg_track_counts_zero(const struct vg_track_counts *c);

#endif

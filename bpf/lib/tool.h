/* lib/tool.h — what every tool object (bpf/tools/, bpf/track.bpf.c) shares: the -p/-c
 * filter, the loss counters and the generation of counting keys. Tools that stream records add lib/tool_ring.h.
 * Tool objects never include maps.h, noise.h or store.h (the sensor's own maps); they
 * build records with lib/record.h and lib/path.h like the sensor does. */
#ifndef VIGIL_LIB_TOOL_H
#define VIGIL_LIB_TOOL_H

#include "lib/extract.h"
#include "lib/record.h"
#include "tool_event.h"

const volatile struct vg_tool_filter vg_tool_filter = {};

/* Written by user space only (vg_generation_turn, src/loader/mapread.h says why counts
 * are then exact): the first field of every key a tool counts under. */
volatile __u32 vg_tool_generation;

/* The generation an event counts in: read once, the same for every key it touches. */
static __always_inline __u32 vg_tool_generation_now(void)
{
	return vg_tool_generation;
}

/* -c: the container's cgroup v2 directory; a task in it or below it passes. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vg_tool_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_TOOL_LOSS__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} vg_tool_lost SEC(".maps");

static __always_inline void vg_tool_lose(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&vg_tool_lost, &reason);

	if (n)
		__sync_fetch_and_add(n, 1); /* atomic: a softirq program may nest on this CPU */
}

/* For hooks whose actor is not the current task (a connection closed in softirq, an OOM
 * victim): the -p filter on a recorded tgid. */
static __always_inline bool vg_tool_pid_wanted(__u32 tgid)
{
	return tgid != vg_tool_filter.self && (!vg_tool_filter.pid || tgid == vg_tool_filter.pid);
}

/* Whether the current task passes -p and -c (and is not vigil). */
static __always_inline bool vg_tool_wanted(void)
{
	if (!vg_tool_pid_wanted(bpf_get_current_pid_tgid() >> 32))
		return false;
	return !vg_tool_filter.cgroup || bpf_current_task_under_cgroup(&vg_tool_cgroup, 0) == 1;
}

#endif

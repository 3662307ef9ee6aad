/* lib/maps.h — the maps every sensor program shares: the ring buffer, the per-CPU
 * scratch record, the sequence and drop counters (the proof of loss), the interest map
 * user space writes, and the control map that says which object is live and who the agent
 * is (bpf/agent_event.h). One definition for the whole sensor object (bpf/vigil.bpf.c). */
#ifndef VIGIL_LIB_MAPS_H
#define VIGIL_LIB_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vigil_event.h"
#include "agent_event.h"

/* This object's generation, set by user space before load (see struct vg_control). */
const volatile __u32 vg_generation = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_control);
} vg_control SEC(".maps");

/* The agent's own BPF objects: a bpf() call by anybody else that changes one is reported. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_SELF_OBJECTS_MAX);
	__type(key, struct vg_self_key);
	__type(value, __u8);
} vg_self_objects SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space (--ring-size) */
} vg_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[VG_SCRATCH_SIZE]);
} vg_scratch SEC(".maps");

/* Per-CPU sequence of records that were meant for user space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vg_seq SEC(".maps");

/* Drop counters: index VG_DROP_INDEX(type, reason). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_EV__COUNT * VG_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} vg_drops SEC(".maps");

/* Interest: 1 when somebody (a sink, a rule, the process table) consumes the type.
 * Written by user space at start and on rule reload; events nobody wants are not built. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_EV__COUNT);
	__type(key, __u32);
	__type(value, __u8);
} vg_interest SEC(".maps");

static __always_inline void vg_count_drop(__u32 type, __u32 reason)
{
	__u32 key = VG_DROP_INDEX(type, reason);
	__u64 *n = bpf_map_lookup_elem(&vg_drops, &key);

	if (n)
		__sync_fetch_and_add(n, 1); /* atomic: a softirq program may nest on this CPU */
}

/* A lost record still takes a sequence number: the gap is the proof. */
static __always_inline void vg_lose(__u32 type, __u32 reason)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&vg_seq, &zero);

	if (seq)
		__sync_fetch_and_add(seq, 1);
	vg_count_drop(type, reason);
}

static __always_inline bool vg_interested(__u32 type)
{
	__u8 *on = bpf_map_lookup_elem(&vg_interest, &type);

	return on && *on;
}

static __always_inline struct vg_control *vg_ctl(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vg_control, &zero);
}

/* Not reported: the agent's own activity, or anything at all while this object is not
 * the live one (a restarted agent's new programs until it takes over, the old ones after). */
static __always_inline bool vg_is_self_or_standby(void)
{
	struct vg_control *c = vg_ctl();

	return !c || c->generation != vg_generation || (bpf_get_current_pid_tgid() >> 32) == c->self_pid;
}

/* tgid is the running agent. */
static __always_inline bool vg_is_agent(__u32 tgid)
{
	struct vg_control *c = vg_ctl();

	return c && c->self_pid && c->self_pid == tgid;
}

#endif

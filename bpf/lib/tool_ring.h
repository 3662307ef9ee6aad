/* lib/tool_ring.h — records from a streaming tool (execsnoop, opensnoop, ...) to user space:
 * the ring buffer, the per-CPU buffer a record is built in, begin and submit. A lost record
 * is counted in vg_tool_lost (lib/tool.h) by reason. */
#ifndef VIGIL_LIB_TOOL_RING_H
#define VIGIL_LIB_TOOL_RING_H

#include "lib/tool.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} vg_tool_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[VG_SCRATCH_SIZE]);
} vg_tool_scratch SEC(".maps");

/* A record of the tool's kind `kind` about the current task, with a zeroed body of
 * body_size bytes, built in the per-CPU buffer (twice VG_MAX_RECORD, as lib/record.h
 * and lib/path.h expect). NULL when the buffer is unavailable (counted). */
static __always_inline struct vg_hdr *vg_tool_begin(__u16 kind, __u32 body_size)
{
	__u32 zero = 0;
	struct vg_hdr *h = bpf_map_lookup_elem(&vg_tool_scratch, &zero);

	if (!h) {
		vg_tool_lose(VG_TOOL_LOSS_NO_SCRATCH);
		return NULL;
	}
	__builtin_memset(h, 0, sizeof(*h));
	h->type = kind;
	h->size = sizeof(*h) + body_size;
	h->ts = bpf_ktime_get_boot_ns();
	h->cpu = bpf_get_smp_processor_id();
	h->cgroup_id = bpf_get_current_cgroup_id();
	vg_fill_task(h);
	return h;
}

/* h and body (of type T, zeroed) for a record of kind; returns 0 from the caller when
 * there is no buffer. */
#define VG_TOOL_BEGIN(h, body, kind, T)                                 \
	struct vg_hdr *h = vg_tool_begin(kind, sizeof(T));              \
	if (!h)                                                         \
		return 0;                                               \
	T *body = (T *)vg_body(h);                                      \
	__builtin_memset(body, 0, sizeof(T))

/* Without a wakeup per record (an IPI each) unless the ring is an eighth full: user space
 * polls every few tens of milliseconds, as the sensor's reader does. */
static __always_inline int vg_tool_submit(struct vg_hdr *h)
{
	__u32 size = h->size;
	__u64 avail = bpf_ringbuf_query(&vg_tool_events, BPF_RB_AVAIL_DATA);
	__u64 ring = bpf_ringbuf_query(&vg_tool_events, BPF_RB_RING_SIZE);

	if (size > VG_MAX_RECORD)
		h->size = size = VG_MAX_RECORD;
	/* the check above lets the compiler drop the mask; the verifier needs it */
	asm volatile("" : "+r"(size));
	if (bpf_ringbuf_output(&vg_tool_events, h, size & (VG_SCRATCH_SIZE - 1),
			       avail > ring / 8 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP) < 0) {
		vg_tool_lose(VG_TOOL_LOSS_RING_FULL);
		return -1;
	}
	return 0;
}

#endif

/* biolatency.bpf.c — block I/O latency as log2 histograms, from the block tracepoints
 * (as libbpf-tools' biolatency: tp_btf, else raw_tp): a request is stamped at
 * block_rq_issue (or block_rq_insert with -Q) and measured at block_rq_complete. The -p
 * and -c filters apply to the task that issues or queues the request: the process itself
 * for synchronous direct I/O, often a kernel worker otherwise. */
#include "lib/tool.h"
#include "tools/biolatency.h"

const volatile struct vg_biolatency_cfg vg_biolatency_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64); /* struct request * */
	__type(value, __u64);
} vg_biolatency_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_BIOLATENCY_DISKS);
	__type(key, struct vg_biolatency_key);
	__type(value, struct vg_hist);
} vg_biolatency_hists SEC(".maps");

struct request_queue___old {
	struct gendisk *disk;
} __attribute__((preserve_access_index));

struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

static __always_inline struct gendisk *vg_rq_disk(struct request *rq)
{
	if (bpf_core_field_exists(rq->q->disk))
		return BPF_CORE_READ(rq, q, disk);
	return BPF_CORE_READ((struct request___old *)rq, rq_disk);
}

static __always_inline __u32 vg_log2(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 vg_log2l(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? vg_log2(hi) + 32 : vg_log2((__u32)v);
}

static __always_inline int vg_biolatency_start_rq(struct request *rq, bool issue)
{
	__u64 key = (__u64)rq, ts;

	/* with -Q a request that went through the scheduler was stamped at insert */
	if (issue && vg_biolatency_cfg.queued && bpf_map_lookup_elem(&vg_biolatency_start, &key))
		return 0;
	if (!vg_tool_wanted())
		return 0;
	ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&vg_biolatency_start, &key, &ts, BPF_ANY) < 0)
		vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
	return 0;
}

static __always_inline int vg_biolatency_done(struct request *rq)
{
	__u64 key = (__u64)rq, *start = bpf_map_lookup_elem(&vg_biolatency_start, &key), delta;
	struct vg_biolatency_key disk = { .generation = vg_tool_generation_now() };
	struct vg_hist *hist, zero = {};
	__u32 slot;

	if (!start)
		return 0;
	delta = (bpf_ktime_get_ns() - *start) / (vg_biolatency_cfg.ms ? 1000000 : 1000);
	bpf_map_delete_elem(&vg_biolatency_start, &key);
	if (vg_biolatency_cfg.per_disk) {
		struct gendisk *gd = vg_rq_disk(rq);

		disk.disk = (BPF_CORE_READ(gd, major) << 20) | BPF_CORE_READ(gd, first_minor);
	}
	hist = bpf_map_lookup_elem(&vg_biolatency_hists, &disk);
	if (!hist) {
		bpf_map_update_elem(&vg_biolatency_hists, &disk, &zero, BPF_NOEXIST);
		if (!(hist = bpf_map_lookup_elem(&vg_biolatency_hists, &disk))) {
			vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
			return 0;
		}
	}
	slot = vg_log2l(delta);
	if (slot >= VG_HIST_SLOTS)
		slot = VG_HIST_SLOTS - 1;
	__sync_fetch_and_add(&hist->slots[slot], 1);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(vg_tool_biolatency_block_rq_insert_btf, struct request *rq)
{
	return vg_biolatency_start_rq(rq, false);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(vg_tool_biolatency_block_rq_insert_raw, struct request *rq)
{
	return vg_biolatency_start_rq(rq, false);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(vg_tool_biolatency_block_rq_issue_btf, struct request *rq)
{
	return vg_biolatency_start_rq(rq, true);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(vg_tool_biolatency_block_rq_issue_raw, struct request *rq)
{
	return vg_biolatency_start_rq(rq, true);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(vg_tool_biolatency_block_rq_complete_btf, struct request *rq, int error, unsigned int nr_bytes)
{
	return vg_biolatency_done(rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(vg_tool_biolatency_block_rq_complete_raw, struct request *rq, int error, unsigned int nr_bytes)
{
	return vg_biolatency_done(rq);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

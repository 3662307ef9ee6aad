/* syscount.bpf.c — syscalls counted per syscall (or per process), with their time in
 * -L mode: raw_syscalls:sys_exit counts, raw_syscalls:sys_enter stamps the start only
 * when latency is wanted (each hook costs every syscall). Keys start with the generation
 * (lib/tool.h), so that user space takes every count. */
#include "lib/tool.h"
#include "tools/syscount.h"

const volatile struct vg_syscount_cfg vg_syscount_cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_SYSCOUNT_KEYS);
	__type(key, __u32);
	__type(value, __u64);
} vg_syscount_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_SYSCOUNT_KEYS);
	__type(key, struct vg_syscount_key);
	__type(value, struct vg_syscount_val);
} vg_syscount_counts SEC(".maps");

SEC("tp/raw_syscalls/sys_enter")
int vg_tool_syscount_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ts = bpf_ktime_get_ns();

	if (vg_tool_wanted() && bpf_map_update_elem(&vg_syscount_start, &tid, &ts, BPF_ANY) < 0)
		vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
	return 0;
}

SEC("tp/raw_syscalls/sys_exit")
int vg_tool_syscount_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id_tgid;
	struct vg_syscount_key key;
	long ret = ctx->ret, id = ctx->id;
	struct vg_syscount_val *v, zero = {};
	__u64 ns = 0;

	if (id < 0 || !vg_tool_wanted())
		return 0;
	if (vg_syscount_cfg.latency) {
		__u64 *start = bpf_map_lookup_elem(&vg_syscount_start, &tid);

		if (!start)
			return 0; /* it began before we attached */
		ns = bpf_ktime_get_ns() - *start;
		bpf_map_delete_elem(&vg_syscount_start, &tid);
	}
	if ((vg_syscount_cfg.failures && ret >= 0) || (vg_syscount_cfg.err && ret != -vg_syscount_cfg.err))
		return 0;
	key.generation = vg_tool_generation_now();
	key.id = vg_syscount_cfg.by_process ? id_tgid >> 32 : (__u32)id;
	v = bpf_map_lookup_elem(&vg_syscount_counts, &key);
	if (!v) {
		if (vg_syscount_cfg.by_process)
			bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		if (bpf_map_update_elem(&vg_syscount_counts, &key, &zero, BPF_NOEXIST) < 0 &&
		    !bpf_map_lookup_elem(&vg_syscount_counts, &key)) {
			vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
			return 0;
		}
		if (!(v = bpf_map_lookup_elem(&vg_syscount_counts, &key)))
			return 0;
	}
	__sync_fetch_and_add(&v->count, 1);
	if (ns)
		__sync_fetch_and_add(&v->total_ns, ns);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

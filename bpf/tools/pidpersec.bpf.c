/* pidpersec.bpf.c — new tasks (processes and threads) per second: sched_process_fork
 * counted per CPU, read and cleared by user space every second. */
#include "lib/tool.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vg_pidpersec_forks SEC(".maps");

static __always_inline int vg_pidpersec(void)
{
	__u32 zero = 0;
	__u64 *n;

	if (vg_tool_wanted() && (n = bpf_map_lookup_elem(&vg_pidpersec_forks, &zero)))
		*n += 1; /* per CPU, and sched_process_fork never nests on one */
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_tool_pidpersec_sched_process_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return vg_pidpersec();
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vg_tool_pidpersec_sched_process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return vg_pidpersec();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* oomkill.bpf.c — OOM kills, from oom:mark_victim (libbpf-tools uses a kprobe on
 * oom_kill_process): the victim from the tracepoint's task, the trigger is the current
 * task, whose allocation (or memory cgroup charge) ran the OOM killer. */
#include "lib/tool_ring.h"
#include "tools/oomkill.h"

static __always_inline int vg_oomkill(struct task_struct *any)
{
	struct task_struct *victim = VG_CAST(task_struct, any);
	struct mm_struct *mm = victim->mm;
	__u32 pid = victim->tgid;

	if (!vg_tool_wanted() && !(vg_tool_filter.pid && pid == vg_tool_filter.pid))
		return 0;
	VG_TOOL_BEGIN(h, o, 0, struct vg_oomkill);
	o->victim_pid = pid;
	o->victim_uid = victim->real_cred->uid.val;
	__builtin_memcpy(o->victim_comm, victim->comm, sizeof(o->victim_comm));
	if (mm) {
		o->pages = mm->total_vm;
		for (int i = 0; i < 4; i++) /* MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES */
			if (i != 2)
				o->rss += BPF_CORE_READ(mm, rss_stat[i].count);
	}
	return vg_tool_submit(h);
}

SEC("tp_btf/mark_victim")
int BPF_PROG(vg_tool_oomkill_mark_victim_btf, struct task_struct *task, uid_t uid)
{
	return vg_oomkill(task);
}

SEC("raw_tp/mark_victim")
int BPF_PROG(vg_tool_oomkill_mark_victim_raw, struct task_struct *task, uid_t uid)
{
	return vg_oomkill(task);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* threadsnoop.bpf.c — new threads, from a uprobe on libc's pthread_create (as bpftrace's
 * threadsnoop.bt): its third argument is the thread's start routine, which bpf_find_vma
 * turns into a file and offset while the process still exists. */
#include "lib/tool_ring.h"
#include "lib/path.h"
#include "tools/threadsnoop.h"

struct vg_start_vma {
	__u64 addr;
	__u64 offset;
	struct file *file;
};

static long vg_threadsnoop_vma(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	struct vg_start_vma *v = ctx;

	v->file = BPF_CORE_READ(vma, vm_file);
	v->offset = v->addr - BPF_CORE_READ(vma, vm_start) + (BPF_CORE_READ(vma, vm_pgoff) << 12);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(vg_tool_threadsnoop_pthread_create, void *thread, void *attr, void *start_routine)
{
	struct vg_start_vma v = { .addr = (__u64)start_routine };

	if (!vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, e, 0, struct vg_threadsnoop);
	e->func = v.addr;
	bpf_find_vma(bpf_get_current_task_btf(), v.addr, vg_threadsnoop_vma, &v, 0);
	e->file_offset = v.offset;
	vg_put_file_path(h, &e->file, v.file);
	return vg_tool_submit(h);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

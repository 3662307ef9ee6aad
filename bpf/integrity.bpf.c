/* integrity.bpf.c — kernel state the integrity checks (src/integrity) cannot have from
 * user space, read on demand: nothing here is attached to a hook, so it costs nothing
 * between checks.
 *   vg_integrity_kread (SEC("syscall"), run with BPF_PROG_RUN): copies kernel memory at a
 *     list of addresses (the first bytes of syscall entry functions, the syscall
 *     dispatcher's code); lockdown=integrity allows it, lockdown=confidentiality does not.
 *   vg_integrity_tasks (iter/task): every thread-group leader the kernel runs, found by
 *     the kernel's pid table rather than by /proc, with its pid in the agent's namespace. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "integrity_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by user space before load: the agent's pid namespace (level and inode number). */
const volatile __u32 vg_ns_level = 0;
const volatile __u32 vg_ns_inum = 0;

/* kread's request and answer. */
__u64 vg_kread_addr[VG_KREAD_MAX];
__u8 vg_kread_bytes[VG_KREAD_MAX][VG_KREAD_LEN];
__s32 vg_kread_err[VG_KREAD_MAX];
__u32 vg_kread_n;

static long vg_kread_one(__u64 i, void *ctx)
{
	__u32 k = i & (VG_KREAD_MAX - 1);

	if (i >= vg_kread_n || i >= VG_KREAD_MAX)
		return 1;
	vg_kread_err[k] = bpf_probe_read_kernel(vg_kread_bytes[k], VG_KREAD_LEN, (const void *)vg_kread_addr[k]);
	return 0;
}

SEC("syscall")
int vg_integrity_kread(void *ctx)
{
	bpf_loop(VG_KREAD_MAX, vg_kread_one, NULL, 0);
	return 0;
}

SEC("iter/task")
int vg_integrity_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct vg_ktask t = {};
	struct pid *pid;
	struct upid up = {};

	if (!task || task->pid != task->tgid)
		return 0;
	pid = task->thread_pid;
	if (!pid || pid->level < vg_ns_level)
		return 0; /* above the agent's namespace: not in its /proc */
	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[vg_ns_level & 31]);
	if (BPF_CORE_READ(up.ns, ns.inum) != vg_ns_inum)
		return 0; /* in a sibling namespace */
	t.pid = up.nr;
	t.ppid = BPF_CORE_READ(task, real_parent, tgid);
	t.start_time = task->start_boottime;
	__builtin_memcpy(t.comm, task->comm, sizeof(t.comm));
	bpf_seq_write(ctx->meta->seq, &t, sizeof(t));
	return 0;
}

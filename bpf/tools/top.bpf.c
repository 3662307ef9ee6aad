/* top.bpf.c — what `vigil top` shows, counted in the kernel per process and per cgroup:
 * execs (sched_process_exec), syscalls, bytes read from and written to regular files,
 * and inet connections (connect, accept), all from one raw_syscalls:sys_exit program
 * that looks at the syscall number and result. Both maps are LRU and per-CPU: hard caps,
 * no atomics; the least recently active entries go first when they are full. */
#include "lib/tool.h"
#include "lib/args.h"
#include "tools/top.h"

/* x86-64 syscall numbers */
#define NR_read 0
#define NR_write 1
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_connect 42
#define NR_accept 43
#define NR_accept4 288
#define NR_preadv 295
#define NR_pwritev 296
#define NR_preadv2 327
#define NR_pwritev2 328
#define VG_EINPROGRESS 115

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VG_TOP_PROCS);
	__type(key, __u32);
	__type(value, struct vg_top_proc);
} vg_top_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VG_TOP_CGROUPS);
	__type(key, __u64);
	__type(value, struct vg_top_counts);
} vg_top_cgroups SEC(".maps");

/* This CPU's counters of the current process (created with its identity), or NULL. */
static __always_inline struct vg_top_proc *vg_top_proc(__u32 tgid, bool exec)
{
	struct vg_top_proc *p = bpf_map_lookup_elem(&vg_top_procs, &tgid), fresh = {};
	struct task_struct *task;

	if (p && !exec)
		return p;
	task = bpf_get_current_task_btf();
	if (!p) {
		fresh.named_at = bpf_ktime_get_boot_ns();
		fresh.cgroup_id = bpf_get_current_cgroup_id();
		fresh.start_time = task->group_leader->start_boottime;
		fresh.uid = task->real_cred->uid.val;
		bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
		bpf_map_update_elem(&vg_top_procs, &tgid, &fresh, BPF_NOEXIST);
		return bpf_map_lookup_elem(&vg_top_procs, &tgid);
	}
	/* an exec renames the process (and may move it: a container's init) */
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	p->cgroup_id = bpf_get_current_cgroup_id();
	p->named_at = bpf_ktime_get_boot_ns();
	return p;
}

static __always_inline struct vg_top_counts *vg_top_cgroup(__u64 id)
{
	struct vg_top_counts *c = bpf_map_lookup_elem(&vg_top_cgroups, &id), zero = {};

	if (c)
		return c;
	bpf_map_update_elem(&vg_top_cgroups, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&vg_top_cgroups, &id);
}

/* The regular file behind the syscall's first argument, if it is one. */
static __always_inline bool vg_top_regular(void)
{
	struct vg_sysargs s;
	struct file *f;

	vg_syscall_args(&s);
	f = vg_current_fd(s.a[0]);
	return f && (f->f_inode->i_mode & VG_S_IFMT) == VG_S_IFREG;
}

SEC("tp/raw_syscalls/sys_exit")
int vg_tool_top_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	long id = ctx->id, ret = ctx->ret;
	struct vg_top_counts *cg;
	struct vg_top_proc *p;
	__u64 rbytes = 0, wbytes = 0, conns = 0;

	if (!vg_tool_wanted() || !(p = vg_top_proc(tgid, false)))
		return 0;
	switch (id) {
	case NR_read: case NR_pread64: case NR_readv: case NR_preadv: case NR_preadv2:
		if (ret > 0 && vg_top_regular())
			rbytes = ret;
		break;
	case NR_write: case NR_pwrite64: case NR_writev: case NR_pwritev: case NR_pwritev2:
		if (ret > 0 && vg_top_regular())
			wbytes = ret;
		break;
	case NR_connect:
		if (ret == 0 || ret == -VG_EINPROGRESS) {
			struct vg_sysargs s;

			vg_syscall_args(&s);
			conns = vg_file_inet_sock(vg_current_fd(s.a[0])) != NULL;
		}
		break;
	case NR_accept: case NR_accept4:
		conns = ret >= 0 && vg_file_inet_sock(vg_current_fd(ret)) != NULL;
		break;
	}
	p->c.syscalls++;
	p->c.read_bytes += rbytes;
	p->c.write_bytes += wbytes;
	p->c.connections += conns;
	if ((cg = vg_top_cgroup(p->cgroup_id))) {
		cg->syscalls++;
		cg->read_bytes += rbytes;
		cg->write_bytes += wbytes;
		cg->connections += conns;
	}
	return 0;
}

static __always_inline int vg_top_exec(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vg_top_counts *cg;
	struct vg_top_proc *p;

	if (!vg_tool_wanted() || !(p = vg_top_proc(tgid, true)))
		return 0;
	p->c.execs++;
	if ((cg = vg_top_cgroup(p->cgroup_id)))
		cg->execs++;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_tool_top_sched_process_exec_btf, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_top_exec();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_tool_top_sched_process_exec_raw, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_top_exec();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

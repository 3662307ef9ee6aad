/* track.bpf.c — the trackers: what processes and containers do, counted in the kernel per
 * process and per cgroup (track_event.h). One object serves `vigil top` (per process and
 * per cgroup) and `vigil run --trackers` (also per syscall and cross-container pipes);
 * vg_track_config, set before load, turns off what a run does not read, so the verifier
 * drops it.
 *
 * Syscalls, file and TCP bytes, connects, accepts, SysV IPC and pipes all come from one
 * program at raw_syscalls:sys_exit that looks at the syscall's number and result (and,
 * for I/O, at the file behind the fd): one program on every syscall, however much is
 * counted. Execs, forks and exits come from the sched tracepoints, which cost nothing
 * when nothing happens. Maps are LRU (hard caps; the least recently active entry goes
 * first) and per-CPU where only counters live (no atomics). Every counter's key starts
 * with the generation read once per event (vg_tool_generation_now, lib/tool.h), so that
 * user space takes only entries nothing writes any more (src/loader/mapread.h says why). */
#include "lib/tool.h"
#include "lib/args.h"
#include "track_event.h"

/* x86-64 syscall numbers */
#define NR_read 0
#define NR_write 1
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_pipe 22
#define NR_shmget 29
#define NR_shmat 30
#define NR_shmctl 31
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_semget 64
#define NR_semop 65
#define NR_semctl 66
#define NR_shmdt 67
#define NR_msgget 68
#define NR_msgsnd 69
#define NR_msgrcv 70
#define NR_msgctl 71
#define NR_semtimedop 220
#define NR_accept4 288
#define NR_pipe2 293
#define NR_preadv 295
#define NR_pwritev 296
#define NR_preadv2 327
#define NR_pwritev2 328
#define VG_EINPROGRESS 115

const volatile struct vg_track_config vg_track_config = {};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VG_TRACK_PROCS);
	__type(key, struct vg_track_proc_key);
	__type(value, struct vg_track_proc);
} vg_track_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VG_TRACK_CGROUPS);
	__type(key, struct vg_track_cgroup_key);
	__type(value, struct vg_track_counts);
} vg_track_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VG_TRACK_SYSCALLS);
	__type(key, struct vg_track_syscall_key);
	__type(value, __u64);
} vg_track_syscalls SEC(".maps");

/* Shared by every CPU: the owner is state, not a counter. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_TRACK_PIPES);
	__type(key, struct vg_inode_key);
	__type(value, struct vg_track_pipe);
} vg_track_pipes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, VG_TRACK_PIPE_PAIRS);
	__type(key, struct vg_track_pair_key);
	__type(value, struct vg_track_pair);
} vg_track_pairs SEC(".maps");

/* This CPU's counters of the current process (created with its identity), or NULL. An
 * exec renames the process (and may move it: a container's init). */
static __always_inline struct vg_track_proc *vg_track_proc(__u32 generation, bool exec, bool create)
{
	struct vg_track_proc_key key = { .generation = generation, .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct vg_track_proc *p = bpf_map_lookup_elem(&vg_track_procs, &key), fresh = {};
	struct task_struct *task;

	if (p && !exec)
		return p;
	if (!p && !create)
		return NULL;
	task = bpf_get_current_task_btf();
	if (!p) {
		fresh.named_at = bpf_ktime_get_boot_ns();
		fresh.cgroup_id = bpf_get_current_cgroup_id();
		fresh.start_time = task->group_leader->start_boottime;
		fresh.uid = task->real_cred->uid.val;
		bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
		bpf_map_update_elem(&vg_track_procs, &key, &fresh, BPF_NOEXIST);
		return bpf_map_lookup_elem(&vg_track_procs, &key);
	}
	bpf_get_current_comm(p->comm, sizeof(p->comm));
	p->cgroup_id = bpf_get_current_cgroup_id();
	p->named_at = bpf_ktime_get_boot_ns();
	return p;
}

/* The entry of key in an LRU per-CPU map, made (zeroed) when missing; NULL only when the
 * kernel could not make one. */
static __always_inline void *vg_track_entry(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void vg_track_add(struct vg_track_counts *to, const struct vg_track_counts *d)
{
#define VG_TRACK_ADD(name, help) to->name += d->name;
	VG_TRACK_COUNTERS(VG_TRACK_ADD)
#undef VG_TRACK_ADD
}

/* What the current process did, into its own entry (when kept) and its cgroup's, both of
 * the event's generation. A call that counts nothing but itself (most: only_call) adds one
 * counter, not all of them. */
static __always_inline void vg_track_count(const struct vg_track_counts *d, __u32 generation, __u64 cgid, bool exec,
					   bool only_call)
{
	struct vg_track_cgroup_key key = { .generation = generation, .cgroup_id = cgid };
	struct vg_track_counts zero = {}, *cg;
	struct vg_track_proc *p;

	if (vg_track_config.per_process && (p = vg_track_proc(generation, exec, !d->exits))) {
		if (only_call)
			p->c.syscalls++;
		else
			vg_track_add(&p->c, d);
	}
	if ((cg = vg_track_entry(&vg_track_cgroups, &key, &zero))) {
		if (only_call)
			cg->syscalls++;
		else
			vg_track_add(cg, d);
	}
}

/* I/O on a pipe or FIFO: a cgroup other than the one that made it is counted against the
 * owner (user space keeps the pairs whose cgroups are in different containers). A pipe
 * not seen made (a FIFO, or older than the trackers) belongs to its first user. */
static __always_inline void vg_track_pipe_io(struct file *f, __u32 generation, __u64 cgid, long bytes)
{
	struct vg_inode_key key = vg_file_inode_key(f);
	struct vg_track_pipe *pipe = bpf_map_lookup_elem(&vg_track_pipes, &key);
	struct vg_track_pair zero = {}, *pair;
	struct vg_track_pair_key pk = { .generation = generation, .cgroup_id = cgid };

	if (!pipe) {
		struct vg_track_pipe first = { .owner = cgid };

		bpf_map_update_elem(&vg_track_pipes, &key, &first, BPF_NOEXIST);
		return;
	}
	if (pipe->owner == cgid)
		return;
	pk.owner = pipe->owner;
	if (!(pair = vg_track_entry(&vg_track_pairs, &pk, &zero)))
		return;
	if (pipe->peer != cgid) {
		pipe->peer = cgid;
		pair->pipes++;
	}
	pair->bytes += bytes;
}

/* pipe(2)/pipe2(2) succeeded: both ends share one inode, the read end names it. */
static __always_inline void vg_track_pipe_made(__u64 cgid)
{
	struct vg_track_pipe made = { .owner = cgid };
	struct vg_inode_key key;
	struct vg_sysargs s;
	int fds[2];
	struct file *f;

	vg_syscall_args(&s);
	if (bpf_probe_read_user(fds, sizeof(fds), (void *)s.a[0]) < 0 || !(f = vg_current_fd(fds[0])))
		return;
	key = vg_file_inode_key(f);
	bpf_map_update_elem(&vg_track_pipes, &key, &made, BPF_ANY);
}

/* The socket's sock when the file is one, else NULL. */
static __always_inline struct sock *vg_track_sock(struct file *f)
{
	if (!f || (f->f_inode->i_mode & VG_S_IFMT) != VG_S_IFSOCK)
		return NULL;
	return VG_CAST(socket, f->private_data)->sk;
}

static __always_inline bool vg_track_tcp(struct sock *sk)
{
	__u16 family;

	if (!sk)
		return false;
	family = sk->__sk_common.skc_family;
	return (family == VG_AF_INET || family == VG_AF_INET6) && sk->sk_protocol == VG_IPPROTO_TCP;
}

/* ret bytes moved through the syscall's first argument (an fd): a regular file, a TCP
 * socket or a pipe, each counted where it belongs. */
static __always_inline void vg_track_io(struct vg_track_counts *d, __u32 generation, __u64 cgid, long ret, bool out)
{
	struct vg_sysargs s;
	struct file *f;
	__u32 mode;

	vg_syscall_args(&s);
	if (!(f = vg_current_fd(s.a[0])))
		return;
	mode = f->f_inode->i_mode & VG_S_IFMT;
	if (mode == VG_S_IFREG) {
		if (out)
			d->file_write_bytes = ret;
		else
			d->file_read_bytes = ret;
	} else if (mode == VG_S_IFSOCK) {
		if (!vg_track_tcp(vg_track_sock(f)))
			return;
		if (out)
			d->tcp_sent_bytes = ret;
		else
			d->tcp_received_bytes = ret;
	} else if (mode == VG_S_IFIFO && vg_track_config.pipes) {
		vg_track_pipe_io(f, generation, cgid, ret);
	}
}

static __always_inline void vg_track_connect(struct vg_track_counts *d, long ret)
{
	struct vg_sysargs s;
	struct sock *sk;

	if (ret != 0 && ret != -VG_EINPROGRESS)
		return;
	vg_syscall_args(&s);
	if (!(sk = vg_track_sock(vg_current_fd(s.a[0]))))
		return;
	if (vg_track_tcp(sk))
		d->tcp_connects = 1;
	else if (ret == 0 && sk->__sk_common.skc_family == VG_AF_UNIX)
		d->unix_connects = 1;
}

/* One syscall, by number and result. ia32 calls have numbers of another table: they are
 * counted as calls only. */
static __always_inline int vg_track_on_sys_exit(long ret)
{
	struct vg_track_counts d = { .syscalls = 1 };
	__u32 generation;
	__u64 cgid;
	bool compat, only_call = false;
	long nr;

	if (!vg_tool_wanted())
		return 0;
	generation = vg_tool_generation_now();
	cgid = bpf_get_current_cgroup_id();
	compat = vg_syscall_compat();
	nr = vg_syscall_nr();
	switch (compat ? -1 : nr) {
	case NR_read: case NR_pread64: case NR_readv: case NR_preadv: case NR_preadv2:
	case NR_recvfrom: case NR_recvmsg:
		if (ret > 0)
			vg_track_io(&d, generation, cgid, ret, false);
		break;
	case NR_write: case NR_pwrite64: case NR_writev: case NR_pwritev: case NR_pwritev2:
	case NR_sendto: case NR_sendmsg:
		if (ret > 0)
			vg_track_io(&d, generation, cgid, ret, true);
		break;
	case NR_connect:
		vg_track_connect(&d, ret);
		break;
	case NR_accept: case NR_accept4:
		d.tcp_accepts = ret >= 0 && vg_track_tcp(vg_track_sock(vg_current_fd(ret)));
		break;
	case NR_pipe: case NR_pipe2:
		if (ret == 0 && vg_track_config.pipes)
			vg_track_pipe_made(cgid);
		break;
	case NR_msgget: case NR_msgsnd: case NR_msgrcv: case NR_msgctl:
		d.sysv_msg_calls = ret >= 0;
		break;
	case NR_semget: case NR_semop: case NR_semtimedop: case NR_semctl:
		d.sysv_sem_calls = ret >= 0;
		break;
	case NR_shmget: case NR_shmat: case NR_shmdt: case NR_shmctl:
		d.sysv_shm_calls = ret >= 0;
		break;
	default:
		only_call = true;
	}
	vg_track_count(&d, generation, cgid, false, only_call);
	if (vg_track_config.by_syscall) {
		struct vg_track_syscall_key key = { .generation = generation,
						    .nr = compat ? VG_TRACK_NR_IA32 : (__u32)nr,
						    .cgroup_id = cgid };
		__u64 zero = 0, *n = vg_track_entry(&vg_track_syscalls, &key, &zero);

		if (n)
			(*n)++;
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vg_track_syscall_sys_exit_btf, struct pt_regs *regs, long ret)
{
	return vg_track_on_sys_exit(ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(vg_track_syscall_sys_exit_raw, struct pt_regs *regs, long ret)
{
	return vg_track_on_sys_exit(ret);
}

static __always_inline int vg_track_on_exec(void)
{
	struct vg_track_counts d = { .execs = 1 };

	if (vg_tool_wanted())
		vg_track_count(&d, vg_tool_generation_now(), bpf_get_current_cgroup_id(), true, false);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_track_exec_sched_process_exec_btf, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_track_on_exec();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_track_exec_sched_process_exec_raw, struct task_struct *t, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_track_on_exec();
}

/* The parent is current and the child starts in its cgroup. */
static __always_inline int vg_track_on_fork(struct task_struct *any_child)
{
	struct task_struct *child = VG_CAST(task_struct, any_child);
	struct vg_track_counts d = { .forks = 1 };

	if (child->pid == child->tgid && vg_tool_wanted())
		vg_track_count(&d, vg_tool_generation_now(), bpf_get_current_cgroup_id(), false, false);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_track_fork_sched_process_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return vg_track_on_fork(child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vg_track_fork_sched_process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return vg_track_on_fork(child);
}

/* The last thread of a process: the process ended. */
static __always_inline int vg_track_on_exit(void)
{
	struct vg_track_counts d = { .exits = 1 };

	if (bpf_get_current_task_btf()->signal->live.counter == 0 && vg_tool_wanted())
		vg_track_count(&d, vg_tool_generation_now(), bpf_get_current_cgroup_id(), false, false);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_track_exit_sched_process_exit_btf, struct task_struct *p)
{
	return vg_track_on_exit();
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(vg_track_exit_sched_process_exit_raw, struct task_struct *p)
{
	return vg_track_on_exit();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* proc.bpf.c — process lifecycle: exec (success and failure), fork, exit and exit_group;
 * and sleeps (nanosleep, clock_nanosleep), which sandboxes watch for stalling.
 *
 * Successful execs are read at sched_process_exec, where the new image is installed and
 * everything comes from kernel state (exe from mm->exe_file, argv/env from the new stack,
 * cwd, tty, fds, namespaces, cgroup). Failed execs never reach that tracepoint:
 * sys_exit_execve(at) reports them from the caller's filename and argv, still in its
 * registers and memory because the call failed before the old image was replaced.
 */
#include "lib/store.h"
#include "lib/path.h"
#include "lib/fdinfo.h"
#include "lib/args.h"
#include "lib/argv.h"
#include "lib/filter.h"
#include "lib/writer.h"

#define VG_SIGNAL_GROUP_EXIT 0x00000004

/* ---- cgroup path ---------------------------------------------------------------- */

struct kernfs_node___old {
	struct kernfs_node___old *parent;
	const char *name;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *vg_kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return kn->__parent;
	return (struct kernfs_node *)((struct kernfs_node___old *)kn)->parent;
}

/* The cgroup that names a container: the v2 (default hierarchy) one, or on a v1/hybrid
 * host where v2 leaves the task at the root, its memory, pids or cpu cgroup. */
static __always_inline struct kernfs_node *vg_task_cgroup_kn(struct task_struct *task)
{
	struct css_set *cs = task->cgroups;
	struct cgroup *cg = cs->dfl_cgrp;
	int ids[3] = {
		bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id),
		bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id),
		bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id),
	};

	if (cg->level > 0)
		return cg->kn;
	for (int i = 0; i < 3; i++) {
		struct cgroup_subsys_state *css = NULL;

		bpf_probe_read_kernel(&css, sizeof(css), &cs->subsys[ids[i] & 15]);
		if (!css)
			continue;
		cg = VG_CAST(cgroup_subsys_state, css)->cgroup;
		if (cg && cg->level > 0)
			return cg->kn;
	}
	return NULL;
}

struct cg_walk {
	struct vg_hdr *h;
	struct kernfs_node *kn;
};

static long vg_cgroup_step(__u64 i, void *arg)
{
	struct cg_walk *w = arg;
	struct kernfs_node *kn = VG_CAST(kernfs_node, w->kn), *parent;
	struct vg_str part;

	if (!w->kn || !(parent = vg_kn_parent(kn)))
		return 1; /* the hierarchy's root has no name worth printing */
	if (vg_put_kernel_str(w->h, &part, kn->name, 256) < 0 || !vg_put_byte(w->h, '/'))
		return 1;
	w->kn = parent;
	return 0;
}

static __always_inline void vg_put_cgroup(struct vg_hdr *h, struct vg_str *s,
					  struct task_struct *task)
{
	struct cg_walk w = { .h = h, .kn = vg_task_cgroup_kn(task) };
	__u32 start = h->size;

	bpf_loop(VG_CGROUP_DEPTH, vg_cgroup_step, &w, 0);
	s->off = start;
	s->len = h->size - start;
}

/* ---- exec policy: kill at exec, allowlist decision ------------------------------- */

/* Executables killed at exec, before their first instruction (rules with action kill
 * that pin proc.exe). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vg_inode_key);
	__type(value, __u8);
} vg_kill_exe SEC(".maps");

struct cmd_hash {
	const __u8 *p;
	__u32 len;
	__u64 h;
};

static long vg_cmd_hash_step(__u64 i, void *arg)
{
	struct cmd_hash *c = arg;

	if (i >= c->len)
		return 1;
	c->h = (c->h ^ c->p[i & (VG_SCRATCH_SIZE - 1)]) * VG_FNV_PRIME;
	return 0;
}

/* The exec policy, by exe inode: kill it now (the signal is delivered on the way back to
 * user space, before the new image runs an instruction), and remember whether the image
 * is allowlisted (by inode, or by argv hash). */
static __always_inline void vg_exec_policy(struct vg_hdr *h, struct vg_exec *e, struct file *exe)
{
	struct vg_inode_key key = vg_file_inode_key(exe);
	__u32 tgid = h->pid, allowed = VG_TASK_ALLOWED;
	bool hit;

	e->exe_key = key;
	if (bpf_map_lookup_elem(&vg_kill_exe, &key) && bpf_send_signal(9) == 0)
		h->flags |= VG_F_KILLED;
	hit = bpf_map_lookup_elem(&vg_allow_exe, &key) != NULL;

	if (!hit && vg_allow_cmdlines && e->argv.off < VG_MAX_RECORD) {
		struct cmd_hash c = { .p = (const __u8 *)h + e->argv.off, .h = VG_FNV_OFFSET,
				      .len = e->argv.len < VG_CMDHASH_LEN ? e->argv.len : VG_CMDHASH_LEN };

		bpf_loop(VG_CMDHASH_LEN, vg_cmd_hash_step, &c, 0);
		hit = bpf_map_lookup_elem(&vg_allow_cmd, &c.h) != NULL;
	}
	if (hit)
		bpf_map_update_elem(&vg_task_flags, &tgid, &allowed, BPF_ANY);
	else
		bpf_map_delete_elem(&vg_task_flags, &tgid);
}

/* ---- exec --------------------------------------------------------------------- */

#define VG_DEV_FD "/dev/fd/"

/* When a handler (binfmt_script, binfmt_misc) replaced the file the kernel opened first by
 * an interpreter, bprm->interp no longer points at bprm->filename: that file, as named.
 * execveat names it "/dev/fd/N/NAME" (or "/dev/fd/N"): then the path is fd N's (the
 * kernel keeps that fd open for the interpreter) and the name what follows. */
static __always_inline void vg_exec_script(struct vg_hdr *h, struct vg_exec *e, struct linux_binprm *any)
{
	struct linux_binprm *bprm = VG_CAST(linux_binprm, any);
	const char *s;
	__u32 fd = 0, i;

	if (bprm->interp == bprm->filename || vg_put_kernel_str(h, &e->script.name, bprm->filename, VG_PATH_MAX) < 0)
		return;
	e->script.dir = e->cwd;
	s = (const char *)h + (e->script.name.off & (VG_MAX_RECORD - 1));
	for (i = 0; i < sizeof(VG_DEV_FD) - 1; i++)
		if (i >= e->script.name.len || s[i] != VG_DEV_FD[i])
			return;
	for (; i < sizeof(VG_DEV_FD) + 6 && i < e->script.name.len && s[i] >= '0' && s[i] <= '9'; i++)
		fd = fd * 10 + (s[i] - '0');
	if (i == sizeof(VG_DEV_FD) - 1 || (i < e->script.name.len && s[i] != '/'))
		return;
	i += i < e->script.name.len; /* the '/' */
	__builtin_memset(&e->script.dir, 0, sizeof(e->script.dir));
	vg_put_file_path(h, &e->script.dir, vg_current_fd(fd));
	e->script.name.off += i;
	e->script.name.len -= i;
}

/* At sched_process_exec the new image is installed and the task is current: everything is
 * read through the trusted current-task pointer, with direct loads. */
static __always_inline int vg_proc_on_exec(pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();

	vg_filter_exec(task->mm->exe_file); /* before anything can fail: a sequence may need it */
	VG_BEGIN(h, e, VG_EV_EXEC, struct vg_exec);
	struct mm_struct *mm = task->mm;
	unsigned long env_start = mm->env_start, env_end = mm->env_end;
	struct file *exe = mm->exe_file;
	struct tty_struct *tty = task->signal->tty;
	__u32 len;

	e->old_pid = old_pid;
	e->pgid = vg_task_pid_nr(task, PIDTYPE_PGID);
	e->sid = vg_task_pid_nr(task, PIDTYPE_SID);
	e->parent_start_time = task->real_parent->group_leader->start_boottime;
	e->exe_deleted = exe->f_inode->__i_nlink == 0;
	vg_put_dentry(h, &e->exe, exe->f_path.dentry, exe->f_path.mnt);

	vg_put_mm_argv(h, &e->argv, mm);

	len = env_end - env_start;
	if (len > VG_ENV_MAX) {
		len = VG_ENV_MAX;
		h->flags |= VG_F_ENV_TRUNC;
	}
	vg_put_user_bytes(h, &e->env, (void *)env_start, len);

	vg_put_cwd(h, &e->cwd);
	vg_exec_script(h, e, bprm);
	if (tty)
		vg_put_kernel_str(h, &e->tty, tty->name, 64);
	vg_put_cgroup(h, &e->cgroup, task);
	vg_put_kernel_str(h, &e->nodename, task->nsproxy->uts_ns->name.nodename, VG_NODENAME_LEN);
	for (int fd = 0; fd < 2; fd++) /* stdin and stdout tell a reverse shell; stderr adds cost only */
		vg_put_fdinfo(h, &e->fd[fd], vg_current_fd(fd));
	vg_exec_policy(h, e, exe);
	vg_writer_of(&e->exe_key, &e->writer);
	return vg_submit(h);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_proc_exec_sched_process_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_proc_on_exec(old_pid, bprm);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_proc_exec_sched_process_exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_proc_on_exec(old_pid, bprm);
}

/* Failed execs: argv as the caller passed it, one string per element. */
static __always_inline int vg_proc_exec_failed(long ret, const char *filename, const char *const *argv)
{
	if (ret >= 0)
		return 0; /* reported by sched_process_exec */
	VG_BEGIN(h, e, VG_EV_EXEC, struct vg_exec);
	h->ret = ret;
	vg_put_user_str(h, &e->exe, filename, VG_PATH_MAX);
	vg_put_user_argv(h, &e->argv, argv);
	vg_put_cwd(h, &e->cwd);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_execve")
int vg_proc_exec_sys_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_proc_exec_failed(ctx->ret, (const char *)s.a[0], (const char *const *)s.a[1]);
}

SEC("tp/syscalls/sys_exit_execveat")
int vg_proc_exec_sys_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_proc_exec_failed(ctx->ret, (const char *)s.a[1], (const char *const *)s.a[2]);
}

/* ---- fork and exit ------------------------------------------------------------ */

/* The parent is current; the child is typed through a cast so raw_tp reads it as cheaply. */
static __always_inline int vg_proc_on_fork(struct task_struct *any_child)
{
	struct task_struct *parent = bpf_get_current_task_btf();
	struct task_struct *child = VG_CAST(task_struct, any_child);
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u32 *flags;

	if (child->pid != ctgid)
		return 0; /* a new thread, not a new process */
	flags = bpf_map_lookup_elem(&vg_task_flags, &ptgid);
	if (flags)
		bpf_map_update_elem(&vg_task_flags, &ctgid, flags, BPF_ANY);
	VG_BEGIN(h, f, VG_EV_FORK, struct vg_fork);
	f->child_pid = ctgid;
	f->child_tid = child->pid;
	f->child_start_time = child->start_boottime;
	return vg_submit(h);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_proc_fork_sched_process_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return vg_proc_on_fork(child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vg_proc_fork_sched_process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return vg_proc_on_fork(child);
}

#define NR_exit 60
#define NR_exit_ia32 1

/* The last thread ends the process: exit_group when the process called exit_group(2),
 * exit for every other end. The group's exit status says which: a fatal signal leaves
 * the signal in its low bits, exit_group(2) a status; but 6.18 marks a lone thread's
 * exit(2) the same way, so the last thread's own syscall tells that one apart (a thread
 * that exit_group(2) zapped is in whatever call it was making). */
static __always_inline __u32 vg_exit_event(struct signal_struct *sig, __s32 code)
{
	if (!(sig->flags & VG_SIGNAL_GROUP_EXIT) || (code & 0x7f))
		return VG_EV_EXIT;
	return vg_syscall_nr() == (vg_syscall_compat() ? NR_exit_ia32 : NR_exit) ? VG_EV_EXIT : VG_EV_EXIT_GROUP;
}

static __always_inline int vg_proc_on_exit(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct signal_struct *sig = task->signal;
	__u32 tgid = task->tgid;
	__s32 code;

	if (sig->live.counter != 0)
		return 0; /* other threads live on: the process has not exited */
	bpf_map_delete_elem(&vg_task_flags, &tgid);
	code = sig->flags & VG_SIGNAL_GROUP_EXIT ? sig->group_exit_code : task->exit_code;
	VG_BEGIN(h, x, vg_exit_event(sig, code), struct vg_exit);
	x->code = code;
	x->signal = code & 0x7f;
	x->core_dumped = (code & 0x80) != 0;
	return vg_submit(h);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_proc_exit_sched_process_exit_btf, struct task_struct *p)
{
	return vg_proc_on_exit();
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(vg_proc_exit_sched_process_exit_raw, struct task_struct *p)
{
	return vg_proc_on_exit();
}

/* ---- nanosleep ----------------------------------------------------------------- */

#define VG_CLOCK_MONOTONIC 1

static __always_inline int vg_proc_slept(long ret, __u32 call)
{
	struct vg_sysargs s;
	struct __kernel_timespec ts = {};

	VG_BEGIN(h, n, VG_EV_NANOSLEEP, struct vg_nanosleep);
	vg_syscall_args(&s);
	h->ret = ret;
	n->call = call;
	if (call == VG_SLEEP_NANOSLEEP) {
		n->clock = VG_CLOCK_MONOTONIC;
		bpf_probe_read_user(&ts, sizeof(ts), (void *)s.a[0]);
	} else {
		n->clock = s.a[0];
		n->flags = s.a[1];
		bpf_probe_read_user(&ts, sizeof(ts), (void *)s.a[2]);
	}
	n->sec = ts.tv_sec;
	n->nsec = ts.tv_nsec;
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_nanosleep")
int vg_proc_nanosleep_sys_exit_nanosleep(struct trace_event_raw_sys_exit *ctx)
{
	return vg_proc_slept(ctx->ret, VG_SLEEP_NANOSLEEP);
}

SEC("tp/syscalls/sys_exit_clock_nanosleep")
int vg_proc_nanosleep_sys_exit_clock_nanosleep(struct trace_event_raw_sys_exit *ctx)
{
	return vg_proc_slept(ctx->ret, VG_SLEEP_CLOCK_NANOSLEEP);
}

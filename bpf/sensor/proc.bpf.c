/* proc.bpf.c — process lifecycle: exec (success and failure), fork, exit.
 *
 * Successful execs are read at sched_process_exec, where the new image is installed and
 * everything comes from kernel state (exe from mm->exe_file, argv/env from the new stack,
 * cwd, tty, fds, namespaces, cgroup). Failed execs never reach that tracepoint, so
 * sys_enter_execve(at) remembers the user's filename and argv per thread and sys_exit
 * reports them only when the call failed.
 */
#include "common.bpf.h"

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
	if (vg_put_kernel_str(w->h, &part, kn->name, 256) < 0)
		return 1;
	if (w->h->size < VG_MAX_RECORD) {
		((__u8 *)w->h)[w->h->size & (VG_SCRATCH_SIZE - 1)] = '/';
		w->h->size++;
	}
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

static __always_inline __u32 vg_task_pid_nr(struct task_struct *task, int type)
{
	struct signal_struct *sig = BPF_CORE_READ(task, signal);
	struct pid *p = NULL;

	bpf_probe_read_kernel(&p, sizeof(p), &sig->pids[type & 3]);
	return BPF_CORE_READ(p, numbers[0].nr);
}

/* ---- allowlist decision at exec ------------------------------------------------- */

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
	struct vg_inode_key key = {
		.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev),
		.ino = BPF_CORE_READ(exe, f_inode, i_ino),
	};
	__u32 tgid = h->pid, allowed = VG_TASK_ALLOWED;
	bool hit;

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

/* At sched_process_exec the new image is installed and the task is current: everything is
 * read through the trusted current-task pointer, with direct loads. */
static __always_inline int vg_on_exec(struct task_struct *unused, pid_t old_pid)
{
	struct task_struct *task = bpf_get_current_task_btf();
	VG_BEGIN(h, e, VG_EV_EXEC, struct vg_exec, task);
	struct mm_struct *mm = task->mm;
	unsigned long arg_start = mm->arg_start, arg_end = mm->arg_end;
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

	len = arg_end - arg_start;
	if (len > VG_ARGV_MAX) {
		len = VG_ARGV_MAX;
		h->flags |= VG_F_ARGV_TRUNC;
	}
	vg_put_user_bytes(h, &e->argv, (void *)arg_start, len);

	len = env_end - env_start;
	if (len > VG_ENV_MAX) {
		len = VG_ENV_MAX;
		h->flags |= VG_F_ENV_TRUNC;
	}
	vg_put_user_bytes(h, &e->env, (void *)env_start, len);

	vg_put_dentry(h, &e->cwd, task->fs->pwd.dentry, task->fs->pwd.mnt);
	if (tty)
		vg_put_kernel_str(h, &e->tty, tty->name, 64);
	vg_put_cgroup(h, &e->cgroup, task);
	vg_put_kernel_str(h, &e->nodename, task->nsproxy->uts_ns->name.nodename, VG_NODENAME_LEN);
	for (int fd = 0; fd < 2; fd++) /* stdin and stdout tell a reverse shell; stderr adds cost only */
		vg_put_fdinfo(h, &e->fd[fd], vg_current_fd(fd));
	vg_exec_policy(h, e, exe);
	return vg_submit(h);
}

VG_TP_PAIR(sched_process_exec, vg_on_exec(p, old_pid), struct task_struct *p, pid_t old_pid,
	   struct linux_binprm *bprm)

/* Failed execs: the user's filename and argv pointer, kept from entry to exit. */
struct exec_args {
	const char *filename;
	const char *const *argv;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct exec_args);
} vg_exec_args SEC(".maps");

static __always_inline int vg_exec_enter(const char *filename, const char *const *argv)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_args a = { .filename = filename, .argv = argv };

	if (!vg_interested(VG_EV_EXEC))
		return 0;
	bpf_map_update_elem(&vg_exec_args, &tid, &a, BPF_ANY);
	return 0;
}

struct argv_walk {
	struct vg_hdr *h;
	const char *const *argv;
	__u32 start;
};

static long vg_argv_step(__u64 i, void *arg)
{
	struct argv_walk *w = arg;
	const char *p = NULL;
	struct vg_str part;

	if (bpf_probe_read_user(&p, sizeof(p), &w->argv[i]) < 0 || !p)
		return 1;
	if (w->h->size - w->start >= VG_ARGV_MAX) {
		w->h->flags |= VG_F_ARGV_TRUNC;
		return 1;
	}
	if (vg_put_user_str(w->h, &part, p, 1024) < 0)
		return 1;
	if (w->h->size < VG_MAX_RECORD) {
		((__u8 *)w->h)[w->h->size & (VG_SCRATCH_SIZE - 1)] = 0;
		w->h->size++;
	}
	return 0;
}

static __always_inline int vg_exec_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_args *a = bpf_map_lookup_elem(&vg_exec_args, &tid);
	struct task_struct *task;
	struct exec_args args;

	if (!a)
		return 0;
	args = *a;
	bpf_map_delete_elem(&vg_exec_args, &tid);
	if (ret >= 0)
		return 0; /* reported by sched_process_exec */
	task = bpf_get_current_task_btf();
	VG_BEGIN(h, e, VG_EV_EXEC, struct vg_exec, task);
	h->ret = ret;
	vg_put_user_str(h, &e->exe, args.filename, VG_PATH_MAX);
	{
		struct argv_walk w = { .h = h, .argv = args.argv, .start = h->size };

		bpf_loop(256, vg_argv_step, &w, 0);
		e->argv.off = w.start;
		e->argv.len = h->size - w.start;
	}
	vg_put_path(h, &e->cwd, &BPF_CORE_READ(task, fs)->pwd);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_enter_execve")
int vg_sys_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return vg_exec_enter((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_execveat")
int vg_sys_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return vg_exec_enter((const char *)ctx->args[1], (const char *const *)ctx->args[2]);
}

SEC("tp/syscalls/sys_exit_execve")
int vg_sys_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return vg_exec_exit(ctx->ret);
}

SEC("tp/syscalls/sys_exit_execveat")
int vg_sys_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_exec_exit(ctx->ret);
}

/* ---- fork and exit ------------------------------------------------------------ */

/* The parent is current; the child is typed through a cast so raw_tp reads it as cheaply. */
static __always_inline int vg_on_fork(struct task_struct *unused, struct task_struct *any_child)
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
	VG_BEGIN(h, f, VG_EV_FORK, struct vg_fork, parent);
	f->child_pid = ctgid;
	f->child_tid = child->pid;
	f->child_start_time = child->start_boottime;
	return vg_submit(h);
}

VG_TP_PAIR(sched_process_fork, vg_on_fork(parent, child), struct task_struct *parent,
	   struct task_struct *child)

static __always_inline int vg_on_exit(struct task_struct *unused)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct signal_struct *sig = task->signal;
	__u32 tgid = task->tgid;
	__s32 code;

	if (sig->live.counter != 0)
		return 0; /* other threads live on: the process has not exited */
	bpf_map_delete_elem(&vg_task_flags, &tgid);
	VG_BEGIN(h, x, VG_EV_EXIT, struct vg_exit, task);
	code = sig->flags & VG_SIGNAL_GROUP_EXIT ? sig->group_exit_code : task->exit_code;
	x->code = code;
	x->signal = code & 0x7f;
	x->core_dumped = (code & 0x80) != 0;
	return vg_submit(h);
}

VG_TP_PAIR(sched_process_exit, vg_on_exit(p), struct task_struct *p)

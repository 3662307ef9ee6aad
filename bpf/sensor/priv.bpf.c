/* priv.bpf.c — privilege, process control and kernel events: ptrace, setsid, prctl, mount
 * (classic and new API), umount, module loads, credential changes, privilege escalation,
 * usermode helpers, signals, bpf(), capability checks, namespaces, process_vm_*, io_uring
 * and cgroup creation, and 32-bit (ia32) syscall use.
 *
 * Syscall events run at sys_exit with the arguments from the saved registers (lib/args.h)
 * and read what the kernel holds where it can: the new mount API's fds resolve to the
 * fs_context or mount behind them, setns's fd to its namespace, a loaded BPF program or
 * created map to the kernel object. Only set*uid stashes at entry: the credentials before
 * the call are gone by exit. Credential baselines (vg_priv_creds, task storage) are kept
 * per process at exec and at set*uid exits; escalation is root or capabilities that the
 * baseline lacked and no setuid/fcaps exec or tracked set*uid call explains.
 */
#include "lib/store.h"
#include "lib/path.h"
#include "lib/args.h"
#include "priv_event.h"

#define VG_PF_KTHREAD   0x00200000
#define VG_S_ISUID      04000
#define VG_NSFS_MAGIC   0x6e736673
#define VG_PIDFS_MAGIC  0x50494446
#define VG_ONCE_NS      (10ULL * 1000000000ULL) /* rate-limited events: one per process per 10 s */

/* ---- per-process rate limit (capability, syscall32) ---------------------------- */

struct vg_once_key {
	__u32 tgid;
	__u32 what; /* event type << 16 | detail */
	__u64 start_time;
};

struct vg_once_val {
	__u64 last;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vg_once_key);
	__type(value, struct vg_once_val);
} vg_priv_once SEC(".maps");

/* True when (process, what) has not been reported in the last VG_ONCE_NS; *count is the
 * number of occurrences the report stands for. */
static __always_inline bool vg_once(struct task_struct *task, __u32 what, __u64 *count)
{
	struct vg_once_key k = {
		.tgid = BPF_CORE_READ(task, tgid),
		.what = what,
		.start_time = BPF_CORE_READ(task, group_leader, start_boottime),
	};
	struct vg_once_val *v = bpf_map_lookup_elem(&vg_priv_once, &k);
	__u64 now = bpf_ktime_get_boot_ns();

	if (!v) {
		struct vg_once_val nv = { .last = now, .count = 0 };

		bpf_map_update_elem(&vg_priv_once, &k, &nv, BPF_ANY);
		*count = 1;
		return true;
	}
	v->count++;
	if (now - v->last < VG_ONCE_NS)
		return false;
	*count = v->count;
	v->last = now;
	v->count = 0;
	return true;
}

/* ---- ptrace ------------------------------------------------------------------- */

static __always_inline bool vg_ptrace_reported(long req)
{
	switch (req) {
#define VG_PTRACE_CASE(name, value) case value:
	VG_PTRACE_REQUESTS(VG_PTRACE_CASE)
#undef VG_PTRACE_CASE
		return true;
	}
	return false;
}

SEC("tp/syscalls/sys_exit_ptrace")
int vg_priv_ptrace_sys_exit_ptrace(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	if (!vg_ptrace_reported(s.a[0]))
		return 0;
	VG_BEGIN(h, p, VG_EV_PTRACE, struct vg_ptrace);
	h->ret = ctx->ret;
	p->request = s.a[0];
	p->target_pid = s.a[1];
	p->addr = s.a[2];
	return vg_submit(h);
}

/* ---- setsid ------------------------------------------------------------------- */

SEC("tp/syscalls/sys_exit_setsid")
int vg_priv_setsid_sys_exit_setsid(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	VG_BEGIN(h, s, VG_EV_SETSID, struct vg_setsid);

	h->ret = ctx->ret;
	s->sid = vg_task_pid_nr(task, PIDTYPE_SID);
	s->pgid = vg_task_pid_nr(task, PIDTYPE_PGID);
	return vg_submit(h);
}

/* ---- prctl -------------------------------------------------------------------- */

/* Renames outside exec: prctl(PR_SET_NAME), pthread_setname_np, writes to /proc/PID/comm.
 * exec renames the task too (to the file's name); that is the exec event's business. */
static __always_inline int vg_priv_on_rename(struct task_struct *any_task, const char *comm)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct task_struct *task = VG_CAST(task_struct, any_task);

	if (BPF_CORE_READ_BITFIELD_PROBED(cur, in_execve))
		return 0;
	VG_BEGIN(h, p, VG_EV_PRCTL, struct vg_prctl);
	p->option = VG_PR_SET_NAME;
	p->target_tid = task->pid;
	__builtin_memcpy(p->old_name, task->comm, sizeof(p->old_name));
	bpf_probe_read_kernel_str(p->new_name, sizeof(p->new_name), comm);
	return vg_submit(h);
}

SEC("tp_btf/task_rename")
int BPF_PROG(vg_priv_prctl_task_rename_btf, struct task_struct *task, const char *comm)
{
	return vg_priv_on_rename(task, comm);
}

SEC("raw_tp/task_rename")
int BPF_PROG(vg_priv_prctl_task_rename_raw, struct task_struct *task, const char *comm)
{
	return vg_priv_on_rename(task, comm);
}

static __always_inline bool vg_prctl_reported(long option)
{
	switch (option) {
#define VG_PRCTL_CASE(name, value, from_prctl) case value: return from_prctl;
	VG_PRCTL_OPTIONS(VG_PRCTL_CASE)
#undef VG_PRCTL_CASE
	}
	return false;
}

SEC("tp/syscalls/sys_exit_prctl")
int vg_priv_prctl_sys_exit_prctl(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_sysargs s;

	vg_syscall_args(&s);
	if (!vg_prctl_reported(s.a[0]))
		return 0;
	VG_BEGIN(h, p, VG_EV_PRCTL, struct vg_prctl);
	h->ret = ctx->ret;
	p->option = s.a[0];
	p->arg2 = s.a[1];
	p->target_tid = task->pid;
	return vg_submit(h);
}

/* ---- mount, umount, new mount API --------------------------------------------- */

/* A mount's facts from kernel state: source device name, fs type, and where it is. */
static __always_inline void vg_mount_facts(struct vg_hdr *h, struct vg_mount *m, struct vfsmount *vfsmnt,
					   struct dentry *dentry)
{
	struct mount *mnt = vg_real_mount(vfsmnt);

	vg_put_kernel_str(h, &m->source, BPF_CORE_READ(mnt, mnt_devname), 256);
	vg_put_kernel_str(h, &m->fstype, BPF_CORE_READ(vfsmnt, mnt_sb, s_type, name), 64);
	vg_put_dentry(h, &m->path, dentry, vfsmnt);
	m->from_kernel = 1;
}

static __always_inline void vg_mount_file(struct vg_hdr *h, struct vg_mount *m, struct file *f)
{
	struct path p;

	if (!f || bpf_probe_read_kernel(&p, sizeof(p), &f->f_path) < 0)
		return;
	vg_mount_facts(h, m, p.mnt, p.dentry);
}

/* fsopen/fsconfig fds hold an fs_context: its type and (once set) source. */
static __always_inline void vg_mount_fs_context(struct vg_hdr *h, struct vg_mount *m, struct file *f)
{
	struct fs_context *fc = BPF_CORE_READ(f, private_data);
	const char *source = BPF_CORE_READ(fc, source);

	if (!fc)
		return;
	vg_put_kernel_str(h, &m->fstype, BPF_CORE_READ(fc, fs_type, name), 64);
	if (source)
		vg_put_kernel_str(h, &m->source, source, 256);
	m->from_kernel = 1;
}

/* mount(2) leaves no handle to the new mount, so its strings are the caller's (read after
 * the kernel copied them). */
SEC("tp/syscalls/sys_exit_mount")
int vg_priv_mount_sys_exit_mount(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, m, VG_EV_MOUNT, struct vg_mount);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	m->op = VG_MOUNT_MOUNT;
	m->flags = s.a[3];
	if (s.a[0])
		vg_put_user_str(h, &m->source, (void *)s.a[0], 256);
	vg_put_user_str(h, &m->path, (void *)s.a[1], VG_PATH_MAX);
	if (s.a[2])
		vg_put_user_str(h, &m->fstype, (void *)s.a[2], 64);
	if (s.a[4])
		vg_put_user_str(h, &m->data, (void *)s.a[4], 512);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_umount")
int vg_priv_umount_sys_exit_umount(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, m, VG_EV_UMOUNT, struct vg_mount);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	m->op = VG_MOUNT_UMOUNT;
	m->flags = s.a[1];
	vg_put_user_str(h, &m->path, (void *)s.a[0], VG_PATH_MAX);
	return vg_submit(h);
}

/* fsopen: the new fd's fs_context names the type. */
SEC("tp/syscalls/sys_exit_fsopen")
int vg_priv_mount_sys_exit_fsopen(struct trace_event_raw_sys_exit *ctx)
{
	VG_BEGIN(h, m, VG_EV_MOUNT, struct vg_mount);

	h->ret = ctx->ret;
	m->op = VG_MOUNT_FSOPEN;
	if (ctx->ret >= 0)
		vg_mount_fs_context(h, m, vg_current_fd(ctx->ret));
	return vg_submit(h);
}

#define VG_FSCONFIG_CMD_CREATE 6
#define VG_FSCONFIG_CMD_CREATE_EXCL 8

/* FSCONFIG_CMD_CREATE (6), _RECONFIGURE (7), _CREATE_EXCL (8): the superblock is made or
 * changed; the SET_* calls before it only fill the context. */
SEC("tp/syscalls/sys_exit_fsconfig")
int vg_priv_mount_sys_exit_fsconfig(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	if (s.a[1] < VG_FSCONFIG_CMD_CREATE || s.a[1] > VG_FSCONFIG_CMD_CREATE_EXCL)
		return 0;
	VG_BEGIN(h, m, VG_EV_MOUNT, struct vg_mount);
	h->ret = ctx->ret;
	m->op = VG_MOUNT_FSCONFIG;
	m->flags = s.a[1];
	vg_mount_fs_context(h, m, vg_current_fd(s.a[0]));
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_fsmount")
int vg_priv_mount_sys_exit_fsmount(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, m, VG_EV_MOUNT, struct vg_mount);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	m->op = VG_MOUNT_FSMOUNT;
	m->flags = s.a[2]; /* MOUNT_ATTR_* */
	if (ctx->ret >= 0)
		vg_mount_file(h, m, vg_current_fd(ctx->ret));
	else
		vg_mount_fs_context(h, m, vg_current_fd(s.a[0]));
	return vg_submit(h);
}

#define VG_MOVE_MOUNT_F_EMPTY_PATH 0x00000004

/* After a successful move from an fd, that fd's mount is attached: its facts and its
 * path are kernel state. Otherwise the caller's strings. */
SEC("tp/syscalls/sys_exit_move_mount")
int vg_priv_mount_sys_exit_move_mount(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, m, VG_EV_MOUNT, struct vg_mount);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	m->op = VG_MOUNT_MOVE_MOUNT;
	m->flags = s.a[4];
	if (ctx->ret == 0 && (s.a[4] & VG_MOVE_MOUNT_F_EMPTY_PATH)) {
		vg_mount_file(h, m, vg_current_fd(s.a[0]));
	} else {
		vg_put_user_str(h, &m->source, (void *)s.a[1], VG_PATH_MAX);
		vg_put_user_str(h, &m->path, (void *)s.a[3], VG_PATH_MAX);
	}
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_open_tree")
int vg_priv_mount_sys_exit_open_tree(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, m, VG_EV_MOUNT, struct vg_mount);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	m->op = VG_MOUNT_OPEN_TREE;
	m->flags = s.a[2];
	if (ctx->ret >= 0)
		vg_mount_file(h, m, vg_current_fd(ctx->ret));
	else
		vg_put_user_str(h, &m->path, (void *)s.a[1], VG_PATH_MAX);
	return vg_submit(h);
}

/* ---- load_module ---------------------------------------------------------------
 * Only on kernels with CONFIG_MODULES: elsewhere these tracepoints do not exist (the
 * syscalls are sys_ni_syscall) and the hooks report why. */

/* init_module(image, len, uargs) */
SEC("tp/syscalls/sys_exit_init_module")
int vg_priv_module_sys_exit_init_module(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, m, VG_EV_MODULE, struct vg_module);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	m->op = VG_MODULE_INIT;
	m->len = s.a[1];
	if (s.a[2])
		vg_put_user_str(h, &m->args, (void *)s.a[2], 256);
	return vg_submit(h);
}

/* finit_module(fd, uargs, flags) */
SEC("tp/syscalls/sys_exit_finit_module")
int vg_priv_module_sys_exit_finit_module(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, m, VG_EV_MODULE, struct vg_module);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	m->op = VG_MODULE_FINIT;
	m->flags = s.a[2];
	vg_put_file_path(h, &m->path, vg_current_fd(s.a[0]));
	if (s.a[1])
		vg_put_user_str(h, &m->args, (void *)s.a[1], 256);
	return vg_submit(h);
}

/* ---- credentials: update_cred and privilege_escalation ------------------------- */

/* A process's expected credentials: as of its last exec or tracked set*uid call. Kept in
 * the thread-group leader's task storage: freed with the process, never mistaken for a
 * later process of the same pid, and no table that a busy host could fill (an evicted
 * record would turn into a false alarm). */
struct vg_cred_rec {
	__u32 uid, euid;
	__u64 caps;   /* permitted */
	__u32 valid;  /* storage is created zeroed, and uid 0 is a value */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_cred_rec);
} vg_priv_creds SEC(".maps");

/* task: a BTF pointer (the current task or one reached from it): direct loads. */
static __always_inline void vg_cred_now(struct task_struct *task, struct vg_cred_rec *r)
{
	const struct cred *c = task->real_cred;

	r->uid = c->uid.val;
	r->euid = c->euid.val;
	r->caps = 0; /* kernel_cap_t is a u64 since 6.3, two u32s before: same bytes */
	bpf_probe_read_kernel(&r->caps, sizeof(r->caps), &c->cap_permitted);
	r->valid = 1;
}

/* The record of task's process (task: a BTF pointer), or NULL. */
static __always_inline struct vg_cred_rec *vg_cred_rec(struct task_struct *task)
{
	struct vg_cred_rec *r = bpf_task_storage_get(&vg_priv_creds, task->group_leader, NULL, 0);

	return r && r->valid ? r : NULL;
}

static __always_inline void vg_cred_record(struct task_struct *task, const struct vg_cred_rec *now)
{
	struct vg_cred_rec *r = bpf_task_storage_get(&vg_priv_creds, task->group_leader, NULL,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (r)
		*r = *now;
}

static __always_inline bool vg_is_root(__u32 uid, __u32 euid)
{
	return uid == 0 || euid == 0;
}

/* Root or (in the initial user namespace) capabilities that the baseline did not hold. */
static __always_inline bool vg_gained(struct task_struct *task, const struct vg_cred_rec *now,
				      const struct vg_cred_rec *base)
{
	if (vg_is_root(base->uid, base->euid))
		return false;
	if (vg_is_root(now->uid, now->euid))
		return true;
	return (now->caps & ~base->caps) && task->real_cred->user_ns->level == 0;
}

static __always_inline int vg_emit_privesc(__u32 reason, __u32 baseline,
					   const struct vg_cred_rec *now, const struct vg_cred_rec *base,
					   struct linux_binprm *bprm)
{
	VG_BEGIN(h, p, VG_EV_PRIVESC, struct vg_privesc);
	p->reason = reason;
	p->baseline = baseline;
	p->base_uid = base->uid;
	p->base_euid = base->euid;
	p->base_caps = base->caps;
	p->uid = now->uid;
	p->euid = now->euid;
	p->caps = now->caps;
	if (bprm) {
		struct file *exe = bprm->file;
		struct inode *inode = exe->f_inode;

		p->exe_setuid_root = (inode->i_mode & VG_S_ISUID) && inode->i_uid.val == 0;
		p->secureexec = BPF_CORE_READ_BITFIELD(bprm, secureexec);
		vg_put_file_path(h, &p->exe, exe);
	}
	return vg_submit(h);
}

/* The credentials task is expected to hold: its own record, else its parent's record,
 * else its parent's credentials now. Returns which (enum vg_privesc_base). */
static __always_inline __u32 vg_cred_baseline(struct task_struct *task, struct vg_cred_rec *base)
{
	struct task_struct *parent = task->real_parent;
	struct vg_cred_rec *r = vg_cred_rec(task);

	if (r) {
		*base = *r;
		return VG_BASE_SELF;
	}
	r = vg_cred_rec(parent);
	if (r) {
		*base = *r;
		return VG_BASE_PARENT_RECORD;
	}
	vg_cred_now(parent, base);
	return VG_BASE_PARENT_NOW;
}

/* At exec: an exec the kernel marked secure (setuid, setgid, fcaps) or of a setuid-root
 * file explains any gain over the baseline. The record then follows the new image when
 * it differs from the baseline. task is current, bprm a typed view: direct loads. */
static __always_inline void vg_privesc_exec(struct task_struct *task, struct linux_binprm *bprm)
{
	struct vg_cred_rec now, base;
	__u32 baseline = vg_cred_baseline(task, &base);
	struct inode *inode;

	vg_cred_now(task, &now);
	/* a process holding what its baseline says needs no record of its own: creating task
	 * storage on every fork+exec cost 800 ns here */
	if (base.uid != now.uid || base.euid != now.euid || base.caps != now.caps)
		vg_cred_record(task, &now);
	if (!vg_gained(task, &now, &base) || BPF_CORE_READ_BITFIELD(bprm, secureexec))
		return;
	inode = bprm->file->f_inode;
	if ((inode->i_mode & VG_S_ISUID) && inode->i_uid.val == 0)
		return;
	vg_emit_privesc(VG_PRIVESC_EXEC, baseline, &now, &base, bprm);
}

/* What a set*uid call's exit needs from its entry: the ids before the call. */
struct vg_cred_stash {
	__u32 call; /* enum vg_cred_call */
	__u32 old_uid, old_euid, old_fsuid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32); /* tid */
	__type(value, struct vg_cred_stash);
} vg_priv_cred_stash SEC(".maps");

/* set*uid entry: a caller already holding root its baseline never had got it some other
 * way (an exploit's commit_creds, or an untracked 32-bit set*uid). update_cred needs the
 * old ids at exit, kept only when one of them is not root (nothing to report otherwise). */
static __always_inline int vg_cred_enter(__u32 call)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *c = task->real_cred;
	struct vg_cred_stash st = { .call = call };
	__u32 tid = task->pid;
	struct vg_cred_rec now, base;

	if (vg_is_self() || (!vg_interested(VG_EV_CRED) && !vg_interested(VG_EV_PRIVESC)))
		return 0;
	if (vg_interested(VG_EV_PRIVESC)) {
		__u32 baseline = vg_cred_baseline(task, &base);

		vg_cred_now(task, &now);
		if (vg_gained(task, &now, &base)) {
			vg_cred_record(task, &now); /* report the gain once */
			vg_emit_privesc(VG_PRIVESC_SETID, baseline, &now, &base, NULL);
		}
	}
	st.old_uid = c->uid.val;
	st.old_euid = c->euid.val;
	st.old_fsuid = c->fsuid.val;
	if (st.old_uid == 0 && st.old_euid == 0 && st.old_fsuid == 0 && !vg_interested(VG_EV_PRIVESC))
		return 0;
	bpf_map_update_elem(&vg_priv_cred_stash, &tid, &st, BPF_ANY);
	return 0;
}

static __always_inline int vg_cred_exit(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *c = task->real_cred;
	__u32 tid = task->pid, uid, euid, fsuid;
	struct vg_cred_stash *p = bpf_map_lookup_elem(&vg_priv_cred_stash, &tid), st;
	struct vg_cred_rec now;

	if (!p)
		return 0;
	st = *p;
	bpf_map_delete_elem(&vg_priv_cred_stash, &tid);
	if (vg_interested(VG_EV_PRIVESC)) {
		vg_cred_now(task, &now);
		vg_cred_record(task, &now);
	}
	uid = c->uid.val;
	euid = c->euid.val;
	fsuid = c->fsuid.val;
	if (!(uid == 0 && st.old_uid != 0) && !(euid == 0 && st.old_euid != 0) && !(fsuid == 0 && st.old_fsuid != 0))
		return 0;
	VG_BEGIN(h, e, VG_EV_CRED, struct vg_cred);
	h->ret = ret;
	e->call = st.call;
	e->old_uid = st.old_uid;
	e->old_euid = st.old_euid;
	e->old_fsuid = st.old_fsuid;
	e->new_uid = uid;
	e->new_euid = euid;
	e->new_fsuid = fsuid;
	return vg_submit(h);
}

SEC("tp/syscalls/sys_enter_setuid")
int vg_priv_cred_sys_enter_setuid(struct trace_event_raw_sys_enter *ctx)
{
	return vg_cred_enter(VG_CRED_SETUID);
}

SEC("tp/syscalls/sys_exit_setuid")
int vg_priv_cred_sys_exit_setuid(struct trace_event_raw_sys_exit *ctx)
{
	return vg_cred_exit(ctx->ret);
}

SEC("tp/syscalls/sys_enter_setreuid")
int vg_priv_cred_sys_enter_setreuid(struct trace_event_raw_sys_enter *ctx)
{
	return vg_cred_enter(VG_CRED_SETREUID);
}

SEC("tp/syscalls/sys_exit_setreuid")
int vg_priv_cred_sys_exit_setreuid(struct trace_event_raw_sys_exit *ctx)
{
	return vg_cred_exit(ctx->ret);
}

SEC("tp/syscalls/sys_enter_setresuid")
int vg_priv_cred_sys_enter_setresuid(struct trace_event_raw_sys_enter *ctx)
{
	return vg_cred_enter(VG_CRED_SETRESUID);
}

SEC("tp/syscalls/sys_exit_setresuid")
int vg_priv_cred_sys_exit_setresuid(struct trace_event_raw_sys_exit *ctx)
{
	return vg_cred_exit(ctx->ret);
}

SEC("tp/syscalls/sys_enter_setfsuid")
int vg_priv_cred_sys_enter_setfsuid(struct trace_event_raw_sys_enter *ctx)
{
	return vg_cred_enter(VG_CRED_SETFSUID);
}

SEC("tp/syscalls/sys_exit_setfsuid")
int vg_priv_cred_sys_exit_setfsuid(struct trace_event_raw_sys_exit *ctx)
{
	return vg_cred_exit(ctx->ret);
}

/* ---- exec: privilege escalation, usermode helpers, 32-bit images --------------- */

static __always_inline void vg_umh_exec(struct task_struct *task)
{
	struct task_struct *parent = task->real_parent;
	struct vg_umh *u;
	struct vg_hdr *h;
	struct mm_struct *mm;
	__u32 len;

	if (!(parent->flags & VG_PF_KTHREAD))
		return;
	h = vg_begin(VG_EV_UMH, sizeof(*u));
	if (!h)
		return;
	u = vg_body(h);
	__builtin_memset(u, 0, sizeof(*u));
	mm = task->mm;
	u->parent_pid = parent->tgid;
	bpf_probe_read_kernel_str(u->parent_comm, sizeof(u->parent_comm), parent->comm);
	vg_put_file_path(h, &u->exe, mm->exe_file);
	len = mm->arg_end - mm->arg_start;
	if (len > VG_ARGV_MAX) {
		len = VG_ARGV_MAX;
		h->flags |= VG_F_ARGV_TRUNC;
	}
	vg_put_user_bytes(h, &u->argv, (void *)mm->arg_start, len);
	vg_submit(h);
}

/* The loaded image's ELF header (bprm->buf) says whether it is a 32-bit program: every
 * syscall it makes will be ia32, invisible to the syscalls:* tracepoints. */
static __always_inline void vg_sys32_exec(struct task_struct *task, struct linux_binprm *bprm)
{
	__u8 ident[20];
	struct vg_sys32 *s;
	struct vg_hdr *h;

	if (bpf_probe_read_kernel(ident, sizeof(ident), bprm->buf) < 0)
		return;
	if (ident[0] != 0x7f || ident[1] != 'E' || ident[2] != 'L' || ident[3] != 'F' || ident[4] != 1)
		return;
	h = vg_begin(VG_EV_SYSCALL32, sizeof(*s));
	if (!h)
		return;
	s = vg_body(h);
	__builtin_memset(s, 0, sizeof(*s));
	s->source = VG_SYS32_EXEC;
	s->nr = -1;
	s->machine = ident[18] | (ident[19] << 8);
	h->flags |= VG_F_COMPAT32;
	vg_put_file_path(h, &s->exe, task->mm->exe_file);
	vg_submit(h);
}

/* The exec'ing task is current: read through the trusted current-task pointer, and bprm
 * through a typed view (a plain scalar under raw_tp), so every load is direct. */
static __always_inline int vg_priv_on_exec(struct linux_binprm *any_bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct linux_binprm *bprm = VG_CAST(linux_binprm, any_bprm);

	if (vg_is_self())
		return 0;
	if (vg_interested(VG_EV_PRIVESC))
		vg_privesc_exec(task, bprm);
	vg_umh_exec(task);
	vg_sys32_exec(task, bprm);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_priv_exec_sched_process_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_priv_on_exec(bprm);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_priv_exec_sched_process_exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_priv_on_exec(bprm);
}

/* ---- 32-bit syscalls ------------------------------------------------------------
 * raw_syscalls:sys_enter sees ia32 syscalls (int 0x80, sysenter, 32-bit programs) that
 * syscalls:* ignore. It runs on every syscall, so the test for TS_COMPAT comes first. */

static __always_inline int vg_sys32_syscall(struct task_struct *task, long id)
{
	__u64 count;

	if (!vg_interested(VG_EV_SYSCALL32) || !vg_once(task, VG_EV_SYSCALL32 << 16, &count))
		return 0;
	VG_BEGIN(h, s, VG_EV_SYSCALL32, struct vg_sys32);
	h->flags |= VG_F_COMPAT32;
	s->source = VG_SYS32_SYSCALL;
	s->nr = id;
	s->count = count;
	vg_put_file_path(h, &s->exe, BPF_CORE_READ(task, mm, exe_file));
	return vg_submit(h);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vg_priv_syscall32_sys_enter_btf, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!(task->thread_info.status & VG_TS_COMPAT))
		return 0;
	return vg_sys32_syscall(task, id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(vg_priv_syscall32_sys_enter_raw, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!(task->thread_info.status & VG_TS_COMPAT))
		return 0;
	return vg_sys32_syscall(task, id);
}

/* ---- signals ------------------------------------------------------------------ */

static __always_inline bool vg_signal_reported(int code)
{
	switch (code) {
#define VG_SI_CASE(via, value) case value:
	VG_SIGNAL_CODES(VG_SI_CASE)
#undef VG_SI_CASE
		return true;
	}
	return false;
}

/* Signals a process sent (kill, tkill, tgkill, sigqueue, pidfd_send_signal); the kernel's
 * own (SIGCHLD, faults, timers, tty) are not reported. */
static __always_inline int vg_priv_on_signal(int sig, struct kernel_siginfo *info, struct task_struct *any_target,
					     int group, int result)
{
	struct task_struct *target = VG_CAST(task_struct, any_target);
	int code;

	if ((unsigned long)info <= 1) /* SEND_SIG_NOINFO, SEND_SIG_PRIV */
		return 0;
	code = BPF_CORE_READ(info, si_code);
	if (!vg_signal_reported(code))
		return 0;
	VG_BEGIN(h, s, VG_EV_KILL, struct vg_signal);
	s->sig = sig;
	s->code = code;
	s->result = result;
	s->group = group;
	s->target_pid = target->tgid;
	s->target_tid = target->pid;
	__builtin_memcpy(s->target_comm, target->comm, sizeof(s->target_comm));
	return vg_submit(h);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(vg_priv_kill_signal_generate_btf, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	return vg_priv_on_signal(sig, info, task, group, result);
}

SEC("raw_tp/signal_generate")
int BPF_PROG(vg_priv_kill_signal_generate_raw, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	return vg_priv_on_signal(sig, info, task, group, result);
}

/* ---- bpf() -------------------------------------------------------------------- */

static __always_inline bool vg_bpf_reported(__u32 cmd)
{
	switch (cmd) {
#define VG_BPF_CASE(name, value) case value:
	VG_BPF_CMDS(VG_BPF_CASE)
#undef VG_BPF_CASE
		return true;
	}
	return false;
}

/* bpf(cmd, attr, size). A program or map that was made is described from the kernel
 * object behind the new fd; otherwise (and for the other commands) from the caller's
 * attr, which the kernel copied at entry and which is still in its memory. */
SEC("tp/syscalls/sys_exit_bpf")
int vg_priv_bpf_sys_exit_bpf(struct trace_event_raw_sys_exit *ctx)
{
	struct file *made = ctx->ret >= 0 ? vg_current_fd(ctx->ret) : NULL;
	struct vg_sysargs s;
	__u32 w[4] = {};
	void *attr;

	vg_syscall_args(&s);
	if (!vg_bpf_reported(s.a[0]))
		return 0;
	VG_BEGIN(h, b, VG_EV_BPF, struct vg_bpf);
	attr = (void *)s.a[1];
	h->ret = ctx->ret;
	b->cmd = s.a[0];
	bpf_probe_read_user(w, sizeof(w), attr);
	switch (b->cmd) {
	case VG_BPF_PROG_LOAD:
		if (made) {
			struct bpf_prog *prog = VG_CAST(bpf_prog, made->private_data);

			b->type = prog->type;
			b->count = prog->len;
			b->attach_type = prog->expected_attach_type;
			b->prog_id = prog->aux->id;
			__builtin_memcpy(b->name, prog->aux->name, sizeof(b->name));
		} else { /* prog_type, insn_cnt; expected_attach_type @68, prog_name @48 */
			b->type = w[0];
			b->count = w[1];
			bpf_probe_read_user(&b->attach_type, 4, attr + 68);
			bpf_probe_read_user(b->name, sizeof(b->name), attr + 48);
		}
		break;
	case VG_BPF_MAP_CREATE:
		if (made) {
			struct bpf_map *map = VG_CAST(bpf_map, made->private_data);

			b->type = map->map_type;
			b->count = map->max_entries;
			__builtin_memcpy(b->name, map->name, sizeof(b->name));
		} else { /* map_type, max_entries @12; map_name @28 */
			b->type = w[0];
			b->count = w[3];
			bpf_probe_read_user(b->name, sizeof(b->name), attr + 28);
		}
		break;
	case VG_BPF_PROG_ATTACH: /* target_fd, attach_bpf_fd, attach_type */
	case VG_BPF_LINK_CREATE: /* prog_fd, target_fd, attach_type */
		b->attach_type = w[2];
		break;
	case VG_BPF_RAW_TRACEPOINT_OPEN: /* name pointer */
		bpf_probe_read_user_str(b->name, sizeof(b->name), (void *)(((__u64)w[1] << 32) | w[0]));
		break;
	}
	return vg_submit(h);
}

/* ---- capability checks ---------------------------------------------------------- */

static __always_inline int vg_on_capable(const struct cred *cred, const struct user_namespace *ns, int cap,
					 int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 count;

	/* root holds every capability: its granted checks are most of the host's privileged
	 * operations and say nothing, so they stop here, before any map lookup */
	if (ret == 0 && task->cred->euid.val == 0)
		return 0;
	if (!vg_interested(VG_EV_CAPABILITY) || vg_is_self() ||
	    !vg_once(task, (VG_EV_CAPABILITY << 16) | ((cap & 0xff) << 1) | (ret != 0), &count))
		return 0;
	VG_BEGIN(h, c, VG_EV_CAPABILITY, struct vg_cap);
	c->cap = cap;
	c->ret = ret;
	c->ns_level = BPF_CORE_READ(ns, level);
	c->count = count;
	return vg_submit(h);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(vg_priv_capability_cap_capable_btf, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return vg_on_capable(cred, capable_ns, cap, ret);
}

SEC("raw_tp/cap_capable")
int BPF_PROG(vg_priv_capability_cap_capable_raw, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return vg_on_capable(cred, capable_ns, cap, ret);
}

/* ---- namespaces ------------------------------------------------------------------ */

SEC("tp/syscalls/sys_exit_unshare")
int vg_priv_unshare_sys_exit_unshare(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	VG_BEGIN(h, n, VG_EV_UNSHARE, struct vg_ns);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	n->flags = s.a[0];
	n->fd = -1;
	return vg_submit(h);
}

/* setns(fd, nstype): what the fd is, read at exit while the caller still holds it. */
SEC("tp/syscalls/sys_exit_setns")
int vg_priv_setns_sys_exit_setns(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;
	struct file *f;

	VG_BEGIN(h, n, VG_EV_SETNS, struct vg_ns);
	vg_syscall_args(&s);
	h->ret = ctx->ret;
	n->fd = s.a[0];
	n->flags = s.a[1];
	f = vg_current_fd(s.a[0]);
	if (f) {
		struct inode *inode = f->f_inode;
		unsigned long magic = inode->i_sb->s_magic;

		if (magic == VG_NSFS_MAGIC) {
			struct ns_common *ns = VG_CAST(ns_common, inode->i_private);

			n->inum = ns->inum;
			vg_put_kernel_str(h, &n->fd_type, ns->ops->name, 16);
		} else if (magic == VG_PIDFS_MAGIC) {
			vg_put_kernel_str(h, &n->fd_type, "pidfd", 6);
		}
	}
	return vg_submit(h);
}

/* ---- process_vm_readv / writev ------------------------------------------------- */

/* (pid, local_iov, liovcnt, remote_iov, riovcnt, flags) */
static __always_inline int vg_pvm_exit(long ret, __u32 write)
{
	struct vg_sysargs s;

	VG_BEGIN(h, p, VG_EV_PROCESS_VM, struct vg_pvm);
	vg_syscall_args(&s);
	h->ret = ret;
	p->bytes = ret;
	p->write = write;
	p->target_pid = s.a[0];
	p->liovcnt = s.a[2];
	p->riovcnt = s.a[4];
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_process_vm_writev")
int vg_priv_pvm_sys_exit_process_vm_writev(struct trace_event_raw_sys_exit *ctx)
{
	return vg_pvm_exit(ctx->ret, 1);
}

SEC("tp/syscalls/sys_exit_process_vm_readv")
int vg_priv_pvm_sys_exit_process_vm_readv(struct trace_event_raw_sys_exit *ctx)
{
	return vg_pvm_exit(ctx->ret, 0);
}

/* ---- io_uring, cgroups ---------------------------------------------------------- */

static __always_inline int vg_on_uring_create(int fd, __u32 sq, __u32 cq, __u32 flags)
{
	VG_BEGIN(h, u, VG_EV_IO_URING, struct vg_uring);
	h->ret = fd;
	u->fd = fd;
	u->sq_entries = sq;
	u->cq_entries = cq;
	u->flags = flags;
	return vg_submit(h);
}

SEC("tp_btf/io_uring_create")
int BPF_PROG(vg_priv_io_uring_io_uring_create_btf, int fd, void *uring_ctx, u32 sq_entries, u32 cq_entries,
	     u32 flags)
{
	return vg_on_uring_create(fd, sq_entries, cq_entries, flags);
}

SEC("raw_tp/io_uring_create")
int BPF_PROG(vg_priv_io_uring_io_uring_create_raw, int fd, void *uring_ctx, u32 sq_entries, u32 cq_entries,
	     u32 flags)
{
	return vg_on_uring_create(fd, sq_entries, cq_entries, flags);
}

static __always_inline int vg_on_cgroup_mkdir(struct cgroup *any_cgrp, const char *path)
{
	struct cgroup *cgrp = VG_CAST(cgroup, any_cgrp);

	VG_BEGIN(h, c, VG_EV_CGROUP_MKDIR, struct vg_cgroup_mkdir);
	c->hierarchy = cgrp->root->hierarchy_id;
	c->level = cgrp->level;
	c->id = cgrp->kn->id;
	vg_put_kernel_str(h, &c->path, path, VG_PATH_MAX);
	return vg_submit(h);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(vg_priv_cgroup_mkdir_cgroup_mkdir_btf, struct cgroup *cgrp, const char *path)
{
	return vg_on_cgroup_mkdir(cgrp, path);
}

SEC("raw_tp/cgroup_mkdir")
int BPF_PROG(vg_priv_cgroup_mkdir_cgroup_mkdir_raw, struct cgroup *cgrp, const char *path)
{
	return vg_on_cgroup_mkdir(cgrp, path);
}

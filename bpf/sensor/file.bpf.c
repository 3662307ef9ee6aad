/* file.bpf.c — file events: create_file, open, write to watched files, rename, link,
 * chmod, chown, unlink, rmdir, utimes, memfd_create and mprotect(PROT_EXEC).
 *
 * Everything but mprotect runs at sys_exit, so only calls that happened are reported and
 * what the kernel made (the new fd) is read from kernel state. The syscall's arguments are
 * read at exit from the registers the syscall entry saved (bpf_task_pt_regs): the kernel
 * does not change them during these calls, so no sys_enter program and no per-thread map
 * is needed. Paths the caller named are strings in its memory, read at exit; a relative
 * one is anchored on the kernel's path of its dirfd or cwd (struct vg_upath).
 *
 * An event whose syscall also serves another event (openat: create_file and open;
 * unlinkat: unlink and rmdir) has its own program per event, so that each loads and
 * attaches on its own.
 */
#include "common.bpf.h"
#include "file_event.h"

#define VG_AT_FDCWD       -100
#define VG_AT_REMOVEDIR   0x200
#define VG_O_WRONLY       01
#define VG_O_CREAT        0100
#define VG_O_TRUNC        01000
#define VG_PROT_EXEC      0x4
#define VG_VM_ACCESS      0x7 /* VM_READ | VM_WRITE | VM_EXEC, the PROT_* bit values */
/* include/linux/fs.h: set on a file whose open created it. Not in BTF (a #define); the
 * value is 1 << 20 since Linux 4.19 and was checked on 6.18 (f_mode of a fresh O_CREAT
 * open differs from a second open of the same file by exactly this bit). */
#define VG_FMODE_CREATED  0x100000

/* Files whose writes are reported: (dev, ino) keys written by user space at start. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_FILE_WATCH_MAX);
	__type(key, struct vg_file_key);
	__type(value, __u8);
} vg_file_watch SEC(".maps");

/* ---- arguments and paths -------------------------------------------------------- */

struct vg_sysargs {
	unsigned long a[5];
};

/* The current syscall's first five arguments, from the registers saved at its entry.
 * bpf_task_pt_regs gives a BTF pointer, so these are plain loads, not helper calls. */
static __always_inline void vg_file_args(struct task_struct *task, struct vg_sysargs *s)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	s->a[0] = PT_REGS_PARM1_SYSCALL(regs);
	s->a[1] = PT_REGS_PARM2_SYSCALL(regs);
	s->a[2] = PT_REGS_PARM3_SYSCALL(regs);
	s->a[3] = PT_REGS_PARM4_SYSCALL(regs);
	s->a[4] = PT_REGS_PARM5_SYSCALL(regs);
}

/* The path the caller passed as (dfd, name): the string, and unless it is absolute the
 * kernel's path of what it is relative to (cwd for AT_FDCWD, else dfd's file). A NULL
 * name means the fd itself (fchmod, fchown), as does "" (AT_EMPTY_PATH); an unreadable
 * one gives nothing. same, when not NULL, already holds the directory (rename and link
 * from and to one dfd): it is shared rather than walked twice. */
static __always_inline void vg_put_upath(struct vg_hdr *h, struct vg_upath *u, struct task_struct *task,
					 long dfd, const char *name, const struct vg_str *same)
{
	if (name) {
		int n = vg_put_user_str(h, &u->name, name, VG_PATH_MAX);

		if (n < 0 || (n > 0 && ((__u8 *)h)[u->name.off & (VG_SCRATCH_SIZE - 1)] == '/'))
			return;
	}
	if (same && same->len) {
		u->dir = *same;
		return;
	}
	if ((int)dfd == VG_AT_FDCWD)
		vg_put_path(h, &u->dir, &BPF_CORE_READ(task, fs)->pwd);
	else
		vg_put_file_path(h, &u->dir, vg_current_fd((__u32)dfd));
}

/* ---- create_file and open ------------------------------------------------------- */

enum vg_open_call { VG_CALL_OPEN, VG_CALL_OPENAT, VG_CALL_OPENAT2, VG_CALL_CREAT };

struct vg_open_args {
	long dfd;
	const char *name;
	__u32 flags;
};

static __always_inline void vg_open_args(struct task_struct *task, int call, struct vg_open_args *o)
{
	struct vg_sysargs s;

	vg_file_args(task, &s);
	o->dfd = VG_AT_FDCWD;
	o->name = (const char *)s.a[0];
	o->flags = s.a[1];
	if (call == VG_CALL_OPENAT || call == VG_CALL_OPENAT2) {
		o->dfd = s.a[0];
		o->name = (const char *)s.a[1];
		o->flags = s.a[2];
	}
	if (call == VG_CALL_OPENAT2) {
		__u64 flags = 0;

		bpf_probe_read_user(&flags, sizeof(flags), &((struct open_how *)s.a[2])->flags);
		o->flags = flags;
	} else if (call == VG_CALL_CREAT) {
		o->flags = VG_O_CREAT | VG_O_WRONLY | VG_O_TRUNC;
	}
}

/* The first of fds 0 and 1 that is an inet socket: the creating process faces the network. */
static __always_inline void vg_file_sock(struct task_struct *task, struct vg_file_open *o)
{
	o->sock_fd = VG_FILE_NO_SOCK;
	for (int fd = 0; fd < 2; fd++) {
		struct file *f = vg_current_fd(fd);
		struct socket *sock;
		struct sock *sk;
		__u16 family;

		if ((BPF_CORE_READ(f, f_inode, i_mode) & VG_S_IFMT) != VG_S_IFSOCK)
			continue;
		sock = BPF_CORE_READ(f, private_data);
		sk = BPF_CORE_READ(sock, sk);
		family = BPF_CORE_READ(sk, __sk_common.skc_family);
		if (family != AF_INET && family != AF_INET6)
			continue;
		vg_sock_endpoints(sk, &o->local, &o->remote, &o->proto);
		o->sock_fd = fd;
		return;
	}
}

static __always_inline int vg_file_created(long ret, int call)
{
	struct task_struct *task;
	struct vg_open_args a;
	struct file *f;

	if (ret < 0 || !vg_interested(VG_EV_CREATE))
		return 0;
	task = bpf_get_current_task_btf();
	f = vg_current_fd(ret);
	if (!(BPF_CORE_READ(f, f_mode) & VG_FMODE_CREATED))
		return 0;
	VG_BEGIN(h, o, VG_EV_CREATE, struct vg_file_open, task);
	vg_open_args(task, call, &a);
	h->ret = ret;
	o->flags = a.flags;
	o->mode = BPF_CORE_READ(f, f_inode, i_mode);
	vg_put_file_path(h, &o->path, f);
	vg_file_sock(task, o);
	return vg_submit(h);
}

static __always_inline int vg_file_opened(long ret, int call)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_open_args a;

	VG_BEGIN(h, o, VG_EV_OPEN, struct vg_file_open, task);
	vg_open_args(task, call, &a);
	h->ret = ret;
	o->flags = a.flags;
	o->sock_fd = VG_FILE_NO_SOCK;
	if (ret >= 0) {
		struct file *f = vg_current_fd(ret);

		o->mode = BPF_CORE_READ(f, f_inode, i_mode);
		vg_put_file_path(h, &o->path, f);
	} else {
		vg_put_upath(h, &o->arg, task, a.dfd, a.name, NULL);
	}
	return vg_submit(h);
}

#define VG_FILE_EXIT(prog, syscall, body)                                      \
	SEC("tp/syscalls/sys_exit_" #syscall)                                  \
	int vg_file_##prog(struct trace_event_raw_sys_exit *ctx) { return body; }

VG_FILE_EXIT(create_open, open, vg_file_created(ctx->ret, VG_CALL_OPEN))
VG_FILE_EXIT(create_openat, openat, vg_file_created(ctx->ret, VG_CALL_OPENAT))
VG_FILE_EXIT(create_openat2, openat2, vg_file_created(ctx->ret, VG_CALL_OPENAT2))
VG_FILE_EXIT(create_creat, creat, vg_file_created(ctx->ret, VG_CALL_CREAT))
VG_FILE_EXIT(open_open, open, vg_file_opened(ctx->ret, VG_CALL_OPEN))
VG_FILE_EXIT(open_openat, openat, vg_file_opened(ctx->ret, VG_CALL_OPENAT))
VG_FILE_EXIT(open_openat2, openat2, vg_file_opened(ctx->ret, VG_CALL_OPENAT2))
VG_FILE_EXIT(open_creat, creat, vg_file_opened(ctx->ret, VG_CALL_CREAT))

/* ---- write to watched files ---------------------------------------------------- */

/* write, pwrite64, writev, pwritev and pwritev2 all take the fd first. */
static __always_inline int vg_file_written(long ret)
{
	struct vg_file_key key = {};
	struct task_struct *task;
	struct vg_sysargs s;
	struct inode *inode;
	struct file *f;

	if (ret <= 0 || !vg_interested(VG_EV_WRITE))
		return 0;
	task = bpf_get_current_task_btf();
	vg_file_args(task, &s);
	f = vg_current_fd(s.a[0]);
	inode = BPF_CORE_READ(f, f_inode);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	if (!bpf_map_lookup_elem(&vg_file_watch, &key))
		return 0;
	VG_BEGIN(h, w, VG_EV_WRITE, struct vg_file_write, task);
	h->ret = ret;
	w->fd = s.a[0];
	w->bytes = ret;
	w->dev = key.dev;
	w->ino = key.ino;
	vg_put_file_path(h, &w->path, f);
	return vg_submit(h);
}

VG_FILE_EXIT(write_write, write, vg_file_written(ctx->ret))
VG_FILE_EXIT(write_pwrite64, pwrite64, vg_file_written(ctx->ret))
VG_FILE_EXIT(write_writev, writev, vg_file_written(ctx->ret))
VG_FILE_EXIT(write_pwritev, pwritev, vg_file_written(ctx->ret))
VG_FILE_EXIT(write_pwritev2, pwritev2, vg_file_written(ctx->ret))

/* ---- rename and link ------------------------------------------------------------ */

enum vg_pair_call {
	VG_CALL_RENAME, VG_CALL_RENAMEAT, VG_CALL_RENAMEAT2,
	VG_CALL_LINK, VG_CALL_LINKAT, VG_CALL_SYMLINK, VG_CALL_SYMLINKAT,
};

static __always_inline int vg_file_pair(long ret, __u32 type, int call)
{
	struct task_struct *task;
	struct vg_sysargs s;
	long from_dfd = VG_AT_FDCWD, to_dfd = VG_AT_FDCWD;
	const char *from, *to;

	if (ret < 0)
		return 0;
	task = bpf_get_current_task_btf();
	VG_BEGIN(h, p, type, struct vg_file_pair, task);
	vg_file_args(task, &s);
	from = (const char *)s.a[0];
	to = (const char *)s.a[1];
	if (call == VG_CALL_RENAMEAT || call == VG_CALL_RENAMEAT2 || call == VG_CALL_LINKAT) {
		from_dfd = s.a[0];
		from = (const char *)s.a[1];
		to_dfd = s.a[2];
		to = (const char *)s.a[3];
		if (call != VG_CALL_RENAMEAT)
			p->flags = s.a[4];
	} else if (call == VG_CALL_SYMLINKAT) {
		to_dfd = s.a[1];
		to = (const char *)s.a[2];
	}
	h->ret = ret;
	p->symlink = call == VG_CALL_SYMLINK || call == VG_CALL_SYMLINKAT;
	/* a symlink's target is text stored as given, relative to the link, not to the cwd */
	if (p->symlink)
		vg_put_user_str(h, &p->from.name, from, VG_PATH_MAX);
	else
		vg_put_upath(h, &p->from, task, from_dfd, from, NULL);
	vg_put_upath(h, &p->to, task, to_dfd, to, !p->symlink && to_dfd == from_dfd ? &p->from.dir : NULL);
	return vg_submit(h);
}

VG_FILE_EXIT(rename_rename, rename, vg_file_pair(ctx->ret, VG_EV_RENAME, VG_CALL_RENAME))
VG_FILE_EXIT(rename_renameat, renameat, vg_file_pair(ctx->ret, VG_EV_RENAME, VG_CALL_RENAMEAT))
VG_FILE_EXIT(rename_renameat2, renameat2, vg_file_pair(ctx->ret, VG_EV_RENAME, VG_CALL_RENAMEAT2))
VG_FILE_EXIT(link_link, link, vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_LINK))
VG_FILE_EXIT(link_linkat, linkat, vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_LINKAT))
VG_FILE_EXIT(link_symlink, symlink, vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_SYMLINK))
VG_FILE_EXIT(link_symlinkat, symlinkat, vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_SYMLINKAT))

/* ---- chmod, chown, unlink, rmdir ------------------------------------------------ */

/* Where each call keeps its arguments: the index of dfd (-1: AT_FDCWD), of the path (-1:
 * none, the fd names the file), and of the attributes. */
struct vg_attr_layout {
	__s8 dfd, path, mode, uid, gid, flags;
};

#define VG_ATTR(dfd, path, mode, uid, gid, flags) ((struct vg_attr_layout){ dfd, path, mode, uid, gid, flags })

static __always_inline unsigned long vg_arg_or(const struct vg_sysargs *s, int i, unsigned long dflt)
{
	return i >= 0 && i < 5 ? s->a[i] : dflt;
}

/* chmod, chown, unlink and rmdir: one path and what the call sets. unlinkat serves both
 * unlink and rmdir: AT_REMOVEDIR says which of the two it was. */
static __always_inline int vg_file_attr(long ret, __u32 type, struct vg_attr_layout l)
{
	struct task_struct *task;
	struct vg_sysargs s;
	__u32 flags;

	if (ret < 0)
		return 0;
	task = bpf_get_current_task_btf();
	vg_file_args(task, &s);
	flags = vg_arg_or(&s, l.flags, 0);
	if (type == VG_EV_UNLINK && (flags & VG_AT_REMOVEDIR))
		return 0;
	if (type == VG_EV_RMDIR && l.flags >= 0 && !(flags & VG_AT_REMOVEDIR))
		return 0;
	VG_BEGIN(h, a, type, struct vg_file_attr, task);
	h->ret = ret;
	a->flags = flags;
	a->mode = vg_arg_or(&s, l.mode, 0);
	a->uid = vg_arg_or(&s, l.uid, (__u32)-1);
	a->gid = vg_arg_or(&s, l.gid, (__u32)-1);
	vg_put_upath(h, &a->path, task, vg_arg_or(&s, l.dfd, VG_AT_FDCWD),
		     (const char *)vg_arg_or(&s, l.path, 0), NULL);
	return vg_submit(h);
}

VG_FILE_EXIT(chmod_chmod, chmod, vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(-1, 0, 1, -1, -1, -1)))
VG_FILE_EXIT(chmod_fchmod, fchmod, vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(0, -1, 1, -1, -1, -1)))
VG_FILE_EXIT(chmod_fchmodat, fchmodat, vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(0, 1, 2, -1, -1, -1)))
VG_FILE_EXIT(chmod_fchmodat2, fchmodat2, vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(0, 1, 2, -1, -1, 3)))
VG_FILE_EXIT(chown_chown, chown, vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(-1, 0, -1, 1, 2, -1)))
VG_FILE_EXIT(chown_lchown, lchown, vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(-1, 0, -1, 1, 2, -1)))
VG_FILE_EXIT(chown_fchown, fchown, vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(0, -1, -1, 1, 2, -1)))
VG_FILE_EXIT(chown_fchownat, fchownat, vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(0, 1, -1, 2, 3, 4)))
VG_FILE_EXIT(unlink_unlink, unlink, vg_file_attr(ctx->ret, VG_EV_UNLINK, VG_ATTR(-1, 0, -1, -1, -1, -1)))
VG_FILE_EXIT(unlink_unlinkat, unlinkat, vg_file_attr(ctx->ret, VG_EV_UNLINK, VG_ATTR(0, 1, -1, -1, -1, 2)))
VG_FILE_EXIT(rmdir_rmdir, rmdir, vg_file_attr(ctx->ret, VG_EV_RMDIR, VG_ATTR(-1, 0, -1, -1, -1, -1)))
VG_FILE_EXIT(rmdir_unlinkat, unlinkat, vg_file_attr(ctx->ret, VG_EV_RMDIR, VG_ATTR(0, 1, -1, -1, -1, 2)))

/* ---- utimes: timestamps set to explicit values (timestomping) ----------------------- */

#define VG_UTIME_NOW ((1l << 30) - 1l)
#define VG_UTIME_OMIT ((1l << 30) - 2l)

/* times points at two {seconds, fraction} pairs of 16 bytes (timespec and, on x86-64,
 * timeval alike); NULL means "both now". */
static __always_inline int vg_file_times(long ret, long dfd, const char *path, const __s64 *times,
					 __u32 flags)
{
	struct task_struct *task;
	__s64 t[4] = {};

	if (ret < 0 || !times || bpf_probe_read_user(t, sizeof(t), times) < 0)
		return 0;
	/* utimensat's markers; utimes (timeval) never has them */
	if ((t[1] == VG_UTIME_NOW || t[1] == VG_UTIME_OMIT) && (t[3] == VG_UTIME_NOW || t[3] == VG_UTIME_OMIT))
		return 0; /* nothing explicit: touch, or a no-op */
	task = bpf_get_current_task_btf();
	VG_BEGIN(h, u, VG_EV_UTIMES, struct vg_file_times, task);
	h->ret = ret;
	u->flags = flags;
	u->atime_set = t[1] != VG_UTIME_NOW && t[1] != VG_UTIME_OMIT;
	u->mtime_set = t[3] != VG_UTIME_NOW && t[3] != VG_UTIME_OMIT;
	u->atime = t[0];
	u->mtime = t[2];
	vg_put_upath(h, &u->path, task, dfd, path, NULL);
	return vg_submit(h);
}

static __always_inline int vg_file_times_call(long ret, bool at)
{
	struct vg_sysargs s;

	vg_file_args(bpf_get_current_task_btf(), &s);
	if (at)
		return vg_file_times(ret, (int)s.a[0], (const char *)s.a[1], (const __s64 *)s.a[2], s.a[3]);
	return vg_file_times(ret, VG_AT_FDCWD, (const char *)s.a[0], (const __s64 *)s.a[1], 0);
}

VG_FILE_EXIT(utimes_utimensat, utimensat, vg_file_times_call(ctx->ret, true))
VG_FILE_EXIT(utimes_utimes, utimes, vg_file_times_call(ctx->ret, false))

/* ---- memfd_create --------------------------------------------------------------- */

static __always_inline int vg_file_memfd(long ret)
{
	struct task_struct *task;
	struct vg_sysargs s;
	struct file *f;

	if (ret < 0)
		return 0;
	task = bpf_get_current_task_btf();
	VG_BEGIN(h, m, VG_EV_MEMFD, struct vg_memfd, task);
	vg_file_args(task, &s);
	h->ret = ret;
	m->fd = ret;
	m->flags = s.a[1];
	/* the name the kernel gave the file, not the caller's string */
	f = vg_current_fd(ret);
	vg_put_kernel_str(h, &m->name, BPF_CORE_READ(f, f_path.dentry, d_name.name), 256);
	return vg_submit(h);
}

VG_FILE_EXIT(memfd_create, memfd_create, vg_file_memfd(ctx->ret))

/* ---- mprotect(PROT_EXEC) -------------------------------------------------------- */

struct vg_vma_found {
	struct file *file;
	__u32 prot;
	bool found;
};

static long vg_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	struct vg_vma_found *v = ctx;

	v->file = BPF_CORE_READ(vma, vm_file);
	v->prot = BPF_CORE_READ(vma, vm_flags) & VG_VM_ACCESS;
	v->found = true;
	return 0;
}

/* At entry, to see the region as it was. With lookup, the region's vma (bpf_find_vma)
 * says whether exec is really being added and which file backs it; without (kernels
 * where the helper is refused), the region is reported as unknown. */
static __always_inline int vg_file_mprotect(struct trace_event_raw_sys_enter *ctx, bool lookup)
{
	__u64 addr = ctx->args[0];
	__u32 prot = ctx->args[2];
	struct vg_vma_found v = {};
	struct task_struct *task;

	if (!(prot & VG_PROT_EXEC) || !vg_interested(VG_EV_MPROTECT))
		return 0;
	task = bpf_get_current_task_btf();
	if (lookup)
		bpf_find_vma(task, addr, vg_vma_cb, &v, 0);
	if (v.found && (v.prot & VG_PROT_EXEC))
		return 0; /* already executable: nothing added */
	VG_BEGIN(h, m, VG_EV_MPROTECT, struct vg_mprotect, task);
	m->addr = addr;
	m->len = ctx->args[1];
	m->prot = prot;
	if (v.found) {
		m->vma_prot = v.prot;
		m->vma = v.file ? VG_VMA_FILE : VG_VMA_ANON;
		vg_put_file_path(h, &m->file, v.file);
	}
	return vg_submit(h);
}

SEC("tp/syscalls/sys_enter_mprotect")
int vg_file_mprotect_vma(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, true);
}

SEC("tp/syscalls/sys_enter_mprotect")
int vg_file_mprotect_novma(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, false);
}

SEC("tp/syscalls/sys_enter_pkey_mprotect")
int vg_file_pkey_mprotect_vma(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, true);
}

SEC("tp/syscalls/sys_enter_pkey_mprotect")
int vg_file_pkey_mprotect_novma(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, false);
}

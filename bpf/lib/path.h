/* lib/path.h — paths from kernel state (dentry and mount), appended to a record leaf first
 * ("sh/bin/", see vigil_event.h): walking up is what the kernel can do cheaply, and user
 * space reverses it. The walk runs under bpf_loop so the verifier checks one component,
 * not VG_PATH_DEPTH of them; a path that does not fit sets VG_F_PATH_TRUNC. A path a
 * syscall's caller named goes as a struct vg_upath: its string and the kernel's path of the
 * directory it is relative to (vg_put_upath). */
#ifndef VIGIL_LIB_PATH_H
#define VIGIL_LIB_PATH_H

#include "lib/record.h"
#include "lib/extract.h"

#define VG_AT_FDCWD -100

struct vg_walk {
	struct vg_hdr *h;
	struct dentry *dentry;
	struct mount *mnt;
	__u32 truncated;
};

static __always_inline struct mount *vg_real_mount(struct vfsmount *v)
{
	return (struct mount *)((void *)v - bpf_core_field_offset(struct mount, mnt));
}

/* One component per call: direct loads for the dentry and mount, one string read. */
static long vg_walk_step(__u64 i, void *arg)
{
	struct vg_walk *w = arg;
	struct dentry *d = VG_CAST(dentry, w->dentry), *parent = d->d_parent;
	struct mount *mnt = VG_CAST(mount, w->mnt);
	struct dentry *mnt_root = mnt->mnt.mnt_root;
	__u32 pos, len;

	if (d == mnt_root) {
		struct mount *mnt_parent = mnt->mnt_parent;

		if (mnt == mnt_parent)
			return 1; /* the global root (or a detached mount's): done */
		w->dentry = mnt->mnt_mountpoint;
		w->mnt = mnt_parent;
		return 0;
	}
	pos = w->h->size;
	if (d->d_name.len + 1 > vg_room(w->h) || pos > VG_MAX_RECORD - 1) {
		w->truncated = 1;
		return 1;
	}
	/* names are NUL-terminated and at most 255 bytes: a constant-size string read keeps
	 * the verifier's bounds simple (scratch is twice the record size) */
	len = bpf_probe_read_kernel_str((__u8 *)w->h + pos, 256, d->d_name.name);
	if ((int)len <= 0)
		return 1;
	((__u8 *)w->h)[(pos + len - 1) & (VG_SCRATCH_SIZE - 1)] = '/';
	w->h->size = pos + len;
	if (d == parent)
		return 1; /* a pseudo or disconnected dentry (memfd:NAME, ...): its name is all */
	w->dentry = parent;
	return 0;
}

static __always_inline void vg_put_dentry(struct vg_hdr *h, struct vg_str *s, struct dentry *dentry,
					  struct vfsmount *vfsmnt)
{
	struct vg_walk w = { .h = h, .dentry = dentry, .mnt = vg_real_mount(vfsmnt) };
	__u32 start = h->size;
	long n;

	if (!dentry || !vfsmnt)
		return;
	n = bpf_loop(VG_PATH_DEPTH, vg_walk_step, &w, 0);
	if (w.truncated || n >= VG_PATH_DEPTH)
		h->flags |= VG_F_PATH_TRUNC;
	s->off = start;
	s->len = h->size - start;
}

static __always_inline void vg_put_path(struct vg_hdr *h, struct vg_str *s, const struct path *p)
{
	struct path pp;

	if (bpf_probe_read_kernel(&pp, sizeof(pp), p) < 0)
		return;
	vg_put_dentry(h, s, pp.dentry, pp.mnt);
}

static __always_inline void vg_put_file_path(struct vg_hdr *h, struct vg_str *s, struct file *f)
{
	if (f)
		vg_put_path(h, s, &f->f_path);
}

/* The current task's working directory. */
static __always_inline void vg_put_cwd(struct vg_hdr *h, struct vg_str *s)
{
	struct task_struct *task = bpf_get_current_task_btf();

	vg_put_dentry(h, s, task->fs->pwd.dentry, task->fs->pwd.mnt);
}

/* A path named as (dfd, name): the string (in the caller's memory, or user false: a
 * kernel copy of it), and unless it is absolute the kernel's path of what it is relative
 * to (cwd for AT_FDCWD, else dfd's file). A NULL name means the fd itself (fchmod,
 * fchown), as does "" (AT_EMPTY_PATH); an unreadable one gives nothing. same, when not
 * NULL, already holds the directory (rename and link from and to one dfd): it is shared
 * rather than walked twice. */
static __always_inline void vg_put_named_path(struct vg_hdr *h, struct vg_upath *u, long dfd, const char *name,
					      const struct vg_str *same, bool user)
{
	if (name) {
		int n = vg_put_str(h, &u->name, name, VG_PATH_MAX, user);

		if (n < 0 || (n > 0 && ((__u8 *)h)[u->name.off & (VG_SCRATCH_SIZE - 1)] == '/'))
			return;
	}
	if (same && same->len) {
		u->dir = *same;
		return;
	}
	if ((int)dfd == VG_AT_FDCWD)
		vg_put_cwd(h, &u->dir);
	else
		vg_put_file_path(h, &u->dir, vg_current_fd((__u32)dfd));
}

/* The path a syscall's caller passed as (dfd, name), name in its memory (vg_put_named_path). */
static __always_inline void vg_put_upath(struct vg_hdr *h, struct vg_upath *u, long dfd, const char *name,
					 const struct vg_str *same)
{
	vg_put_named_path(h, u, dfd, name, same, true);
}

#endif

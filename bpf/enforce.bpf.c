/* enforce.bpf.c — deny rules decided in the kernel, on kernels that load BPF-LSM programs
 * (src/enforce/lsm.c loads this object only when some rule denies; elsewhere fanotify
 * does the job). lsm/bprm_check_security refuses an image, lsm/file_open a file, with
 * EPERM before anything of it runs or is read, when the file's inode is pinned
 * (vg_deny_files) or a directory above it is (vg_deny_dirs: the walk up crosses mounts).
 * Each denial is sent to user space as a record of the task that tried, for the alert. */
#include "lib/path.h"
#include "enforce_event.h"

#define VG_EPERM 1

const volatile bool vg_deny_audit = false; /* --deny-mode audit: report, allow */
volatile __u32 vg_deny_ndirs = 0;          /* entries in vg_deny_dirs: 0 skips the walk */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vg_inode_key);
	__type(value, vg_deny_kinds);
} vg_deny_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vg_inode_key);
	__type(value, vg_deny_kinds);
} vg_deny_dirs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[VG_SCRATCH_SIZE]);
} vg_deny_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} vg_deny_events SEC(".maps");

static __always_inline struct vg_inode_key vg_dentry_key(struct dentry *d)
{
	struct inode *inode = VG_CAST(dentry, d)->d_inode;
	struct vg_inode_key key = {};

	if (inode) {
		inode = VG_CAST(inode, inode);
		key.dev = inode->i_sb->s_dev;
		key.ino = inode->i_ino;
	}
	return key;
}

struct deny_walk {
	struct dentry *dentry;
	struct mount *mnt;
	__u8 bit;
	bool found;
	struct vg_inode_key key;
};

/* One dentry per call, the file's own first: is it a pinned directory? */
static long vg_deny_walk_step(__u64 i, void *arg)
{
	struct deny_walk *w = arg;
	struct dentry *d = VG_CAST(dentry, w->dentry);
	struct mount *mnt = VG_CAST(mount, w->mnt);
	struct vg_inode_key key = vg_dentry_key(d);
	vg_deny_kinds *kinds = bpf_map_lookup_elem(&vg_deny_dirs, &key);

	if (kinds && (*kinds & w->bit)) {
		w->found = true;
		w->key = key;
		return 1;
	}
	if (d == mnt->mnt.mnt_root) {
		struct mount *parent = mnt->mnt_parent;

		if (mnt == parent)
			return 1;
		w->dentry = mnt->mnt_mountpoint;
		w->mnt = parent;
		return 0;
	}
	if (d->d_parent == d)
		return 1;
	w->dentry = d->d_parent;
	return 0;
}

/* The pinned key that denies kind for file, or false. */
static __always_inline bool vg_deny_match(struct file *any, __u32 kind, struct vg_inode_key *out)
{
	struct file *f = VG_CAST(file, any);
	struct vg_inode_key key = vg_file_inode_key(f);
	vg_deny_kinds *kinds = bpf_map_lookup_elem(&vg_deny_files, &key);
	struct deny_walk w = { .dentry = f->f_path.dentry, .mnt = vg_real_mount(f->f_path.mnt),
			       .bit = 1 << kind };

	if (kinds && (*kinds & w.bit)) {
		*out = key;
		return true;
	}
	if (!vg_deny_ndirs)
		return false;
	bpf_loop(VG_PATH_DEPTH, vg_deny_walk_step, &w, 0);
	*out = w.key;
	return w.found;
}

static __always_inline int vg_deny(struct file *file, __u32 kind, __u16 type)
{
	struct vg_inode_key matched;
	struct vg_deny_record *r;
	struct vg_hdr *h;
	__u32 zero = 0, size;

	if (!file || !vg_deny_match(file, kind, &matched))
		return 0;
	h = bpf_map_lookup_elem(&vg_deny_scratch, &zero);
	if (h) {
		__builtin_memset(h, 0, sizeof(*h) + sizeof(*r));
		h->type = type;
		h->size = sizeof(*h) + sizeof(*r);
		h->ts = bpf_ktime_get_boot_ns();
		h->cpu = bpf_get_smp_processor_id();
		h->ret = vg_deny_audit ? 0 : -VG_EPERM;
		vg_fill_task(h);
		r = vg_body(h);
		r->matched = matched;
		r->kind = kind;
		vg_put_file_path(h, &r->path, file);
		size = h->size;
		asm volatile("" : "+r"(size));
		bpf_ringbuf_output(&vg_deny_events, h, size & (VG_SCRATCH_SIZE - 1), 0);
	}
	return vg_deny_audit ? 0 : -VG_EPERM;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(vg_enforce_deny_exec_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return vg_deny(bprm->file, VG_DENY_EXEC, VG_EV_EXEC);
}

SEC("lsm/file_open")
int BPF_PROG(vg_enforce_deny_open_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	return vg_deny(file, VG_DENY_OPEN, VG_EV_OPEN);
}

char LICENSE[] SEC("license") = "GPL";

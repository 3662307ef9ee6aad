/* file.bpf.c — file events: create_file, open, reads and writes of watched files (write,
 * file_read, file_write), rename, link, chmod, chown, unlink, rmdir, utimes, truncate,
 * setxattr, memfd_create and mprotect(PROT_EXEC).
 *
 * Everything but mprotect runs at sys_exit, so only calls that happened are reported and
 * what the kernel made (the new fd) is read from kernel state. The syscall's arguments are
 * read at exit (lib/args.h). Paths the caller named are strings in its memory, read at
 * exit; a relative one is anchored on the kernel's path of its dirfd or cwd (struct
 * vg_upath).
 *
 * One program per hook: a syscall that serves two events (openat: create_file and open;
 * unlinkat: unlink and rmdir) decides both in one program, each gated by its interest.
 * Before a record is built, the rules' kernel filter (lib/filter.h) judges the event: its
 * class, the process name, then the path, hashed once for every type that needs it.
 */
#include "lib/store.h"
#include "lib/path.h"
#include "lib/args.h"
#include "lib/filter.h"
#include "lib/writer.h"
#include "file_event.h"

#define VG_AT_REMOVEDIR   0x200
#define VG_RENAME_EXCHANGE 2
#define VG_O_WRONLY       01
#define VG_O_RDWR         02
#define VG_O_CREAT        0100
#define VG_O_TRUNC        01000
#define VG_PROT_EXEC      0x4
#define VG_VM_ACCESS      0x7 /* VM_READ | VM_WRITE | VM_EXEC, the PROT_* bit values */
/* include/linux/fs.h: set on a file whose open created it. Not in BTF (a #define); the
 * value is 1 << 20 since Linux 4.19 and was checked on 6.18 (f_mode of a fresh O_CREAT
 * open differs from a second open of the same file by exactly this bit). */
#define VG_FMODE_CREATED  0x100000
#define VG_EEXIST         17

/* Files whose writes are reported: (dev, ino) keys written by user space at start. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_FILE_WATCH_MAX);
	__type(key, struct vg_inode_key);
	__type(value, __u8);
} vg_file_watch SEC(".maps");

/* file_read and file_write records being counted (see vg_file_io_count). Not LRU: a
 * record pushed out would be lost unseen; a full map is a counted loss instead. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_FILE_IO_MAX);
	__type(key, struct vg_file_io_key);
	__type(value, struct vg_file_io_rec);
} vg_file_io SEC(".maps");

/* One of the agent's own files (its binary, rules, store): the watch map says so. */
static __always_inline bool vg_agent_file(const struct vg_inode_key *key)
{
	__u8 *kind = bpf_map_lookup_elem(&vg_file_watch, key);

	return kind && *kind == VG_WATCH_AGENT;
}

/* ---- create_file and open ------------------------------------------------------- */

struct vg_open_args {
	long dfd;
	const char *name; /* the caller's string (user memory); NULL when there is none */
	__u32 flags;
	__u8 call;        /* enum vg_open_call */
};

static __always_inline void vg_open_args(int call, struct vg_open_args *o)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	o->dfd = VG_AT_FDCWD;
	o->name = (const char *)s.a[0];
	o->flags = s.a[1];
	o->call = call;
	if (call == VG_CALL_BY_HANDLE) { /* (mount_fd, handle, flags): no name, the mount's fd */
		o->dfd = s.a[0];
		o->name = NULL;
		o->flags = s.a[2];
	}
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
static __always_inline void vg_file_sock(struct vg_file_open *o)
{
	o->sock_fd = VG_FILE_NO_SOCK;
	for (int fd = 0; fd < 2; fd++) {
		struct sock *sk = vg_file_inet_sock(vg_current_fd(fd));

		if (!sk)
			continue;
		vg_sock_endpoints(sk, &o->local, &o->remote, &o->proto);
		o->sock_fd = fd;
		return;
	}
}

static __always_inline __u32 vg_open_class(__u32 flags)
{
	__u32 access = flags & 3;

	return access == 1 || access == 2 ? VG_FC_WRITE : 0;
}

/* The path an event is judged on, hashed at most once per call. */
struct vg_fsubject {
	const struct vg_filter *f;
	struct vg_fpath *p;
	bool hashed;
	struct file *file;      /* the opened file, or NULL: the caller's (dfd, name) */
	long dfd;
	const char *name;
	__u32 call;             /* create_file and open: enum vg_open_call (no other type has CALL atoms) */
	__u32 flags;            /* open: the open flags (AGENT atoms) */
};

/* evt.at_agent of an open: one of the agent's files, opened to change it. */
static __always_inline bool vg_file_at_agent(struct file *f, __u32 flags)
{
	struct vg_inode_key key;

	if (!f || !(flags & (VG_O_WRONLY | VG_O_RDWR | VG_O_TRUNC)))
		return false;
	key = vg_file_inode_key(f);
	return vg_agent_file(&key);
}

static __always_inline struct vg_fpath *vg_fsubject_path(struct vg_fsubject *s)
{
	if (!s->hashed && s->p) {
		vg_fpath_reset(s->p);
		if (s->file)
			vg_fpath_file(s->p, s->file);
		else
			vg_fpath_upath(s->p, s->dfd, s->name);
		s->hashed = true;
	}
	return s->p;
}

/* The verdict on an event of type whose only path is the subject's: the cheap facts first. */
static __always_inline int vg_file_judge(struct vg_fsubject *s, __u32 type, __u32 cls)
{
	int v = vg_filter_class(s->f, type, cls);
	struct vg_fpath *p;

	if (v >= 0)
		return vg_filter_done(type, v);
	if (vg_filter_call_hit(s->f, type, cls, s->call) ||
	    (vg_filter_kind(s->f, type, VG_ATOM_AGENT) && vg_file_at_agent(s->file, s->flags)) ||
	    vg_filter_comm_hit(s->f, type, cls) || !(p = vg_fsubject_path(s)))
		return VG_FILTER_MATCH;
	return vg_filter_done(type, vg_filter_path_hit(s->f, p, type, cls, VG_SLOT_PATH) ? VG_FILTER_MATCH : VG_FILTER_DROP);
}

static __always_inline int vg_file_created(long ret, struct file *f, const struct vg_open_args *a,
					   struct vg_fsubject *subject)
{
	__u32 cls = vg_open_class(a->flags), mode = f->f_inode->i_mode;
	int verdict;

	if (!(f->f_mode & VG_FMODE_CREATED))
		return 0;
	if (mode & 06000)
		cls |= VG_FC_SETID;
	if (vg_file_inet_sock(vg_current_fd(0)) || vg_file_inet_sock(vg_current_fd(1)))
		cls |= VG_FC_SOCK;
	verdict = vg_file_judge(subject, VG_EV_CREATE, cls);
	if (verdict == VG_FILTER_DROP)
		return 0;
	VG_BEGIN_JUDGED(h, o, VG_EV_CREATE, struct vg_file_open, verdict == VG_FILTER_MATCH);
	h->ret = ret;
	o->flags = a->flags;
	o->call = a->call;
	o->mode = mode;
	o->key = vg_file_inode_key(f);
	vg_put_file_path(h, &o->path, f);
	vg_file_sock(o);
	return vg_submit(h);
}

static __always_inline int vg_file_opened(long ret, struct file *f, const struct vg_open_args *a,
					  struct vg_fsubject *subject)
{
	int verdict = vg_file_judge(subject, VG_EV_OPEN, vg_open_class(a->flags) | (ret < 0 ? VG_FC_FAIL : 0));

	if (verdict == VG_FILTER_DROP)
		return 0;
	VG_BEGIN_JUDGED(h, o, VG_EV_OPEN, struct vg_file_open, verdict == VG_FILTER_MATCH);
	h->ret = ret;
	o->flags = a->flags;
	o->call = a->call;
	o->sock_fd = VG_FILE_NO_SOCK;
	if (f) {
		o->mode = f->f_inode->i_mode;
		o->key = vg_file_inode_key(f);
		vg_put_file_path(h, &o->path, f);
		if (vg_file_at_agent(f, a->flags))
			h->flags |= VG_F_AT_AGENT;
		if (a->name)
			vg_put_user_str(h, &o->arg.name, a->name, VG_PATH_MAX);
	} else {
		vg_put_upath(h, &o->arg, a->dfd, a->name, NULL);
	}
	return vg_submit(h);
}

/* create_file and open, decided once per call. */
static __always_inline int vg_file_open_exit(long ret, int call)
{
	bool create = vg_interested(VG_EV_CREATE), open = vg_interested(VG_EV_OPEN);
	struct file *f = ret >= 0 ? vg_current_fd(ret) : NULL;
	struct vg_fsubject subject = { .f = vg_filter_get(), .p = vg_fpath_get(), .file = f };
	struct vg_open_args a;

	if ((!create && !open) || vg_is_self_or_standby())
		return 0;
	vg_open_args(call, &a);
	subject.dfd = a.dfd;
	subject.name = a.name;
	subject.call = a.call;
	subject.flags = a.flags;
	if (f)
		vg_writer_note(f, a.flags, f->f_mode & VG_FMODE_CREATED);
	if (create && f)
		vg_file_created(ret, f, &a, &subject);
	if (open)
		vg_file_opened(ret, f, &a, &subject);
	return 0;
}

SEC("tp/syscalls/sys_exit_open")
int vg_file_open_sys_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_open_exit(ctx->ret, VG_CALL_OPEN);
}

SEC("tp/syscalls/sys_exit_openat")
int vg_file_open_sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_open_exit(ctx->ret, VG_CALL_OPENAT);
}

SEC("tp/syscalls/sys_exit_openat2")
int vg_file_open_sys_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_open_exit(ctx->ret, VG_CALL_OPENAT2);
}

SEC("tp/syscalls/sys_exit_creat")
int vg_file_open_sys_exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_open_exit(ctx->ret, VG_CALL_CREAT);
}

/* open_by_handle_at opens a file by its handle (name_to_handle_at), bypassing path lookup
 * and the permissions of the directories on the way: the "shocker" container escape. */
SEC("tp/syscalls/sys_exit_open_by_handle_at")
int vg_file_open_sys_exit_open_by_handle_at(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_open_exit(ctx->ret, VG_CALL_BY_HANDLE);
}

/* ---- reads and writes of watched files ------------------------------------------
 * write: one event per write call. file_read and file_write: per process and file, the
 * bytes and calls of about a second, counted here into a record kept in vg_file_io that
 * user space takes out and completes (file_event.h). */

/* The watched file behind the syscall's fd (its first argument in every read and write
 * call), or NULL. */
static __always_inline struct file *vg_watched_fd(__u32 fd, struct vg_inode_key *key)
{
	struct file *f = vg_current_fd(fd);

	if (!f)
		return NULL;
	*key = vg_file_inode_key(f);
	return bpf_map_lookup_elem(&vg_file_watch, key) ? f : NULL;
}

/* Counts ret bytes into the process's record for (type, file), made with the process's
 * header when it is the first call of the window. The record takes its sequence number
 * when made, so that one the map has no room for is a proven loss. */
static __always_inline void vg_file_io_count(__u32 type, const struct vg_inode_key *file, __u32 fd, long ret)
{
	struct vg_control *c = vg_ctl();
	struct vg_file_io_key k = { .tgid = bpf_get_current_pid_tgid() >> 32, .type = type, .file = *file };
	struct vg_file_io_rec *r, fresh = {};
	__u32 zero = 0;
	__u64 *seq;
	long err;

	if (!c)
		return;
	k.generation = *(volatile __u32 *)&c->io_generation; /* once: user space turns it */
	r = bpf_map_lookup_elem(&vg_file_io, &k);

	if (r) {
		__sync_fetch_and_add(&r->io.bytes, ret);
		__sync_fetch_and_add(&r->io.calls, 1);
		r->io.last_ts = bpf_ktime_get_boot_ns();
		return;
	}
	if (vg_is_self_or_standby() || !vg_noise_pass(type, false))
		return;
	fresh.hdr.type = type;
	fresh.hdr.ts = fresh.io.last_ts = bpf_ktime_get_boot_ns();
	fresh.hdr.cpu = bpf_get_smp_processor_id();
	vg_fill_task(&fresh.hdr);
	fresh.hdr.ret = ret;
	fresh.io.fd = fd;
	fresh.io.bytes = ret;
	fresh.io.calls = 1;
	fresh.io.key = *file;
	err = bpf_map_update_elem(&vg_file_io, &k, &fresh, BPF_NOEXIST);
	if (err == -VG_EEXIST && (r = bpf_map_lookup_elem(&vg_file_io, &k))) { /* another thread made it meanwhile */
		__sync_fetch_and_add(&r->io.bytes, ret);
		__sync_fetch_and_add(&r->io.calls, 1);
		return;
	}
	if (err) {
		vg_lose(type, VG_DROP_MAP_FULL);
		return;
	}
	if ((r = bpf_map_lookup_elem(&vg_file_io, &k)) && (seq = bpf_map_lookup_elem(&vg_seq, &zero)))
		r->hdr.seq = __sync_fetch_and_add(seq, 1);
}

/* write, pwrite64, writev, pwritev and pwritev2. */
static __always_inline int vg_file_written(long ret)
{
	bool each = vg_interested(VG_EV_WRITE), summed = vg_interested(VG_EV_FILE_WRITE);
	struct vg_inode_key key;
	struct vg_sysargs s;
	struct file *f;

	if (ret <= 0 || (!each && !summed))
		return 0;
	vg_syscall_args(&s);
	if (!(f = vg_watched_fd(s.a[0], &key)))
		return 0;
	if (summed)
		vg_file_io_count(VG_EV_FILE_WRITE, &key, s.a[0], ret);
	if (!each)
		return 0;
	VG_BEGIN(h, w, VG_EV_WRITE, struct vg_file_write);
	h->ret = ret;
	if (vg_agent_file(&key))
		h->flags |= VG_F_AT_AGENT;
	w->fd = s.a[0];
	w->bytes = ret;
	w->key = key;
	vg_put_file_path(h, &w->path, f);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_write")
int vg_file_write_sys_exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_written(ctx->ret);
}

SEC("tp/syscalls/sys_exit_pwrite64")
int vg_file_write_sys_exit_pwrite64(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_written(ctx->ret);
}

SEC("tp/syscalls/sys_exit_writev")
int vg_file_write_sys_exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_written(ctx->ret);
}

SEC("tp/syscalls/sys_exit_pwritev")
int vg_file_write_sys_exit_pwritev(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_written(ctx->ret);
}

SEC("tp/syscalls/sys_exit_pwritev2")
int vg_file_write_sys_exit_pwritev2(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_written(ctx->ret);
}

/* read, pread64, readv, preadv and preadv2. */
static __always_inline int vg_file_was_read(long ret)
{
	struct vg_inode_key key;
	struct vg_sysargs s;

	if (ret <= 0 || !vg_interested(VG_EV_FILE_READ))
		return 0;
	vg_syscall_args(&s);
	if (vg_watched_fd(s.a[0], &key))
		vg_file_io_count(VG_EV_FILE_READ, &key, s.a[0], ret);
	return 0;
}

SEC("tp/syscalls/sys_exit_read")
int vg_file_read_sys_exit_read(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_was_read(ctx->ret);
}

SEC("tp/syscalls/sys_exit_pread64")
int vg_file_read_sys_exit_pread64(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_was_read(ctx->ret);
}

SEC("tp/syscalls/sys_exit_readv")
int vg_file_read_sys_exit_readv(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_was_read(ctx->ret);
}

SEC("tp/syscalls/sys_exit_preadv")
int vg_file_read_sys_exit_preadv(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_was_read(ctx->ret);
}

SEC("tp/syscalls/sys_exit_preadv2")
int vg_file_read_sys_exit_preadv2(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_was_read(ctx->ret);
}

/* ---- rename and link ------------------------------------------------------------ */

/* rename and link: the old name is file.path, the new one file.newpath (a symlink's
 * target text is not a path the kernel judges: link is not filtered). */
static __always_inline int vg_file_judge_pair(__u32 type, long from_dfd, const char *from, long to_dfd,
					      const char *to)
{
	struct vg_fsubject s = { .f = vg_filter_get(), .p = vg_fpath_get(), .dfd = from_dfd, .name = from };
	int v = vg_filter_class(s.f, type, 0);
	struct vg_fpath *p;

	if (v >= 0)
		return vg_filter_done(type, v);
	if (vg_filter_comm_hit(s.f, type, 0) || !(p = vg_fsubject_path(&s)))
		return VG_FILTER_MATCH;
	if (vg_filter_uses(s.f, type, VG_SLOT_PATH) && vg_filter_path_hit(s.f, p, type, 0, VG_SLOT_PATH))
		return VG_FILTER_MATCH;
	if (vg_filter_uses(s.f, type, VG_SLOT_NEWPATH)) {
		vg_fpath_reset(p);
		vg_fpath_upath(p, to_dfd, to);
		if (vg_filter_path_hit(s.f, p, type, 0, VG_SLOT_NEWPATH))
			return VG_FILTER_MATCH;
	}
	return vg_filter_done(type, VG_FILTER_DROP);
}

enum vg_pair_call {
	VG_CALL_RENAME, VG_CALL_RENAMEAT, VG_CALL_RENAMEAT2,
	VG_CALL_LINK, VG_CALL_LINKAT, VG_CALL_SYMLINK, VG_CALL_SYMLINKAT,
};

static __always_inline int vg_file_pair(long ret, __u32 type, int call)
{
	long from_dfd = VG_AT_FDCWD, to_dfd = VG_AT_FDCWD;
	const char *from, *to;
	struct vg_sysargs s;

	int verdict;

	if (ret < 0 || !vg_interested(type) || vg_is_self_or_standby())
		return 0;
	vg_syscall_args(&s);
	from = (const char *)s.a[0];
	to = (const char *)s.a[1];
	if (call == VG_CALL_RENAMEAT || call == VG_CALL_RENAMEAT2 || call == VG_CALL_LINKAT) {
		from_dfd = s.a[0];
		from = (const char *)s.a[1];
		to_dfd = s.a[2];
		to = (const char *)s.a[3];
	} else if (call == VG_CALL_SYMLINKAT) {
		to_dfd = s.a[1];
		to = (const char *)s.a[2];
	}
	verdict = vg_file_judge_pair(type, from_dfd, from, to_dfd, to);
	if (verdict == VG_FILTER_DROP)
		return 0;
	VG_BEGIN_JUDGED(h, p, type, struct vg_file_pair, verdict == VG_FILTER_MATCH);
	if (call == VG_CALL_RENAMEAT2 || call == VG_CALL_LINKAT)
		p->flags = s.a[4];
	h->ret = ret;
	p->symlink = call == VG_CALL_SYMLINK || call == VG_CALL_SYMLINKAT;
	/* a symlink's target is text stored as given, relative to the link, not to the cwd */
	if (p->symlink)
		vg_put_user_str(h, &p->from.name, from, VG_PATH_MAX);
	else
		vg_put_upath(h, &p->from, from_dfd, from, NULL);
	vg_put_upath(h, &p->to, to_dfd, to, !p->symlink && to_dfd == from_dfd ? &p->from.dir : NULL);
	if (vg_submit(h) < 0 || !(type == VG_EV_RENAME && (p->flags & VG_RENAME_EXCHANGE)))
		return 0;
	/* RENAME_EXCHANGE swaps the two names: each got the other's file, so each is reported
	 * as a destination (a rule on file.newpath sees /etc/passwd replaced either way) */
	struct vg_upath old = p->from;

	p->from = p->to;
	p->to = old;
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_rename")
int vg_file_rename_sys_exit_rename(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_pair(ctx->ret, VG_EV_RENAME, VG_CALL_RENAME);
}

SEC("tp/syscalls/sys_exit_renameat")
int vg_file_rename_sys_exit_renameat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_pair(ctx->ret, VG_EV_RENAME, VG_CALL_RENAMEAT);
}

SEC("tp/syscalls/sys_exit_renameat2")
int vg_file_rename_sys_exit_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_pair(ctx->ret, VG_EV_RENAME, VG_CALL_RENAMEAT2);
}

SEC("tp/syscalls/sys_exit_link")
int vg_file_link_sys_exit_link(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_LINK);
}

SEC("tp/syscalls/sys_exit_linkat")
int vg_file_link_sys_exit_linkat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_LINKAT);
}

SEC("tp/syscalls/sys_exit_symlink")
int vg_file_link_sys_exit_symlink(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_SYMLINK);
}

SEC("tp/syscalls/sys_exit_symlinkat")
int vg_file_link_sys_exit_symlinkat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_pair(ctx->ret, VG_EV_LINK, VG_CALL_SYMLINKAT);
}

/* ---- chmod, chown, unlink, rmdir ------------------------------------------------ */

/* Where each call keeps its arguments: the index of dfd (-1: AT_FDCWD), of the path (-1:
 * none, the fd names the file), and of the attributes. */
struct vg_attr_layout {
	__s8 dfd, path, mode, uid, gid, flags;
};

#define VG_ATTR(dfd, path, mode, uid, gid, flags) ((struct vg_attr_layout){ dfd, path, mode, uid, gid, flags })

static __always_inline unsigned long vg_arg_or(const struct vg_sysargs *s, int i, unsigned long dflt)
{
	return i >= 0 && i < 6 ? s->a[i] : dflt;
}

/* chmod, chown, unlink and rmdir: one path and what the call sets. */
static __always_inline int vg_file_attr(long ret, __u32 type, struct vg_attr_layout l)
{
	struct vg_sysargs s;
	struct vg_fsubject subject = { .p = NULL };
	int verdict;

	if (ret < 0 || !vg_interested(type) || vg_is_self_or_standby())
		return 0;
	vg_syscall_args(&s);
	subject.f = vg_filter_get();
	subject.p = vg_fpath_get();
	subject.dfd = vg_arg_or(&s, l.dfd, VG_AT_FDCWD);
	subject.name = (const char *)vg_arg_or(&s, l.path, 0);
	verdict = vg_file_judge(&subject, type, 0);
	if (verdict == VG_FILTER_DROP)
		return 0;
	VG_BEGIN_JUDGED(h, a, type, struct vg_file_attr, verdict == VG_FILTER_MATCH);
	h->ret = ret;
	a->flags = vg_arg_or(&s, l.flags, 0);
	a->mode = vg_arg_or(&s, l.mode, 0);
	a->uid = vg_arg_or(&s, l.uid, (__u32)-1);
	a->gid = vg_arg_or(&s, l.gid, (__u32)-1);
	vg_put_upath(h, &a->path, vg_arg_or(&s, l.dfd, VG_AT_FDCWD), (const char *)vg_arg_or(&s, l.path, 0), NULL);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_chmod")
int vg_file_chmod_sys_exit_chmod(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(-1, 0, 1, -1, -1, -1));
}

SEC("tp/syscalls/sys_exit_fchmod")
int vg_file_chmod_sys_exit_fchmod(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(0, -1, 1, -1, -1, -1));
}

SEC("tp/syscalls/sys_exit_fchmodat")
int vg_file_chmod_sys_exit_fchmodat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(0, 1, 2, -1, -1, -1));
}

SEC("tp/syscalls/sys_exit_fchmodat2")
int vg_file_chmod_sys_exit_fchmodat2(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHMOD, VG_ATTR(0, 1, 2, -1, -1, 3));
}

SEC("tp/syscalls/sys_exit_chown")
int vg_file_chown_sys_exit_chown(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(-1, 0, -1, 1, 2, -1));
}

SEC("tp/syscalls/sys_exit_lchown")
int vg_file_chown_sys_exit_lchown(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(-1, 0, -1, 1, 2, -1));
}

SEC("tp/syscalls/sys_exit_fchown")
int vg_file_chown_sys_exit_fchown(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(0, -1, -1, 1, 2, -1));
}

SEC("tp/syscalls/sys_exit_fchownat")
int vg_file_chown_sys_exit_fchownat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_CHOWN, VG_ATTR(0, 1, -1, 2, 3, 4));
}

SEC("tp/syscalls/sys_exit_unlink")
int vg_file_unlink_sys_exit_unlink(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_UNLINK, VG_ATTR(-1, 0, -1, -1, -1, -1));
}

SEC("tp/syscalls/sys_exit_rmdir")
int vg_file_rmdir_sys_exit_rmdir(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_attr(ctx->ret, VG_EV_RMDIR, VG_ATTR(-1, 0, -1, -1, -1, -1));
}

/* unlinkat serves unlink and rmdir: AT_REMOVEDIR says which of the two it was. */
SEC("tp/syscalls/sys_exit_unlinkat")
int vg_file_unlink_sys_exit_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_file_attr(ctx->ret, s.a[2] & VG_AT_REMOVEDIR ? VG_EV_RMDIR : VG_EV_UNLINK,
			    VG_ATTR(0, 1, -1, -1, -1, 2));
}

/* ---- utimes: timestamps set to explicit values (timestomping) ----------------------- */

#define VG_UTIME_NOW ((1l << 30) - 1l)
#define VG_UTIME_OMIT ((1l << 30) - 2l)

/* times points at two {seconds, fraction} pairs of 16 bytes (timespec and, on x86-64,
 * timeval alike); NULL means "both now". */
static __always_inline int vg_file_times(long ret, long dfd, const char *path, const __s64 *times,
					 __u32 flags)
{
	__s64 t[4] = {};

	if (ret < 0 || !times || !vg_interested(VG_EV_UTIMES) || bpf_probe_read_user(t, sizeof(t), times) < 0)
		return 0;
	/* utimensat's markers; utimes (timeval) never has them */
	if ((t[1] == VG_UTIME_NOW || t[1] == VG_UTIME_OMIT) && (t[3] == VG_UTIME_NOW || t[3] == VG_UTIME_OMIT))
		return 0; /* nothing explicit: touch, or a no-op */
	VG_BEGIN(h, u, VG_EV_UTIMES, struct vg_file_times);
	h->ret = ret;
	u->flags = flags;
	u->atime_set = t[1] != VG_UTIME_NOW && t[1] != VG_UTIME_OMIT;
	u->mtime_set = t[3] != VG_UTIME_NOW && t[3] != VG_UTIME_OMIT;
	u->atime = t[0];
	u->mtime = t[2];
	vg_put_upath(h, &u->path, dfd, path, NULL);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_utimensat")
int vg_file_utimes_sys_exit_utimensat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_file_times(ctx->ret, (int)s.a[0], (const char *)s.a[1], (const __s64 *)s.a[2], s.a[3]);
}

SEC("tp/syscalls/sys_exit_utimes")
int vg_file_utimes_sys_exit_utimes(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_file_times(ctx->ret, VG_AT_FDCWD, (const char *)s.a[0], (const __s64 *)s.a[1], 0);
}

/* ---- truncate and ftruncate ------------------------------------------------------ */

/* truncate(path, length) and ftruncate(fd, length) that succeeded: a log emptied by path
 * opens nothing. ftruncate of a file with no name (memfd, shm segments being sized,
 * O_TMPFILE) is not reported: it changes nothing anyone can open by name. */
static __always_inline int vg_file_truncate(long ret, bool by_fd)
{
	struct vg_sysargs s;
	struct file *f = NULL;

	if (ret < 0 || !vg_interested(VG_EV_TRUNCATE))
		return 0;
	vg_syscall_args(&s);
	if (by_fd && (!(f = vg_current_fd(s.a[0])) || f->f_inode->__i_nlink == 0))
		return 0;
	VG_BEGIN(h, t, VG_EV_TRUNCATE, struct vg_file_truncate);
	h->ret = ret;
	t->size = s.a[1];
	t->fd = by_fd ? (__s32)s.a[0] : -1;
	if (by_fd)
		vg_put_file_path(h, &t->path.dir, f);
	else
		vg_put_upath(h, &t->path, VG_AT_FDCWD, (const char *)s.a[0], NULL);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_truncate")
int vg_file_truncate_sys_exit_truncate(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_truncate(ctx->ret, false);
}

SEC("tp/syscalls/sys_exit_ftruncate")
int vg_file_truncate_sys_exit_ftruncate(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_truncate(ctx->ret, true);
}

/* ---- setxattr of security.* attributes ------------------------------------------ */

enum vg_xattr_call { VG_XATTR_PATH, VG_XATTR_FD, VG_XATTR_AT };

/* The caller's xattr_args of setxattrat (value pointer, size, flags). */
struct vg_xattr_args {
	__u64 value;
	__u32 size;
	__u32 flags;
};

/* setxattr(path, name, value, size, flags), lsetxattr (the same), fsetxattr(fd, ...) and
 * setxattrat(dfd, path, at_flags, name, args, usize) that succeeded, when the name is in
 * the security namespace: file capabilities (security.capability) grant privilege
 * without the setuid bit, and security.ima/evm/selinux decide what the kernel trusts. */
static __always_inline int vg_file_setxattr(long ret, int call)
{
	static const char prefix[] = "security.";
	struct vg_xattr_args x = {};
	const char *name, *path = NULL;
	long dfd = VG_AT_FDCWD;
	struct vg_sysargs s;
	char head[sizeof(prefix)] = {};

	if (ret < 0 || !vg_interested(VG_EV_SETXATTR))
		return 0;
	vg_syscall_args(&s);
	if (call == VG_XATTR_AT) {
		dfd = s.a[0];
		path = (const char *)s.a[1];
		name = (const char *)s.a[3];
		bpf_probe_read_user(&x, sizeof(x), (const void *)s.a[4]);
	} else {
		if (call == VG_XATTR_FD)
			dfd = s.a[0];
		else
			path = (const char *)s.a[0];
		name = (const char *)s.a[1];
		x.value = s.a[2];
		x.size = s.a[3];
		x.flags = s.a[4];
	}
	if (bpf_probe_read_user(head, sizeof(head) - 1, name) < 0)
		return 0;
	for (int i = 0; i < (int)sizeof(prefix) - 1; i++)
		if (head[i] != prefix[i])
			return 0;
	VG_BEGIN(h, a, VG_EV_SETXATTR, struct vg_file_xattr);
	h->ret = ret;
	a->size = x.size;
	a->flags = x.flags;
	vg_put_user_str(h, &a->name, name, 256);
	if (x.value && x.size) {
		__u32 n = x.size < VG_XATTR_VALUE ? x.size : VG_XATTR_VALUE;

		asm volatile("" : "+r"(n)); /* keep the clamp for the verifier */
		if (n <= VG_XATTR_VALUE && bpf_probe_read_user(a->value, n, (const void *)x.value) == 0)
			a->value_len = n;
	}
	vg_put_upath(h, &a->path, dfd, path, NULL);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_setxattr")
int vg_file_setxattr_sys_exit_setxattr(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_setxattr(ctx->ret, VG_XATTR_PATH);
}

SEC("tp/syscalls/sys_exit_lsetxattr")
int vg_file_setxattr_sys_exit_lsetxattr(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_setxattr(ctx->ret, VG_XATTR_PATH);
}

SEC("tp/syscalls/sys_exit_fsetxattr")
int vg_file_setxattr_sys_exit_fsetxattr(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_setxattr(ctx->ret, VG_XATTR_FD);
}

SEC("tp/syscalls/sys_exit_setxattrat")
int vg_file_setxattr_sys_exit_setxattrat(struct trace_event_raw_sys_exit *ctx)
{
	return vg_file_setxattr(ctx->ret, VG_XATTR_AT);
}

/* ---- memfd_create --------------------------------------------------------------- */

SEC("tp/syscalls/sys_exit_memfd_create")
int vg_file_memfd_sys_exit_memfd_create(struct trace_event_raw_sys_exit *ctx)
{
	long ret = ctx->ret;
	struct vg_sysargs s;
	struct file *f;

	if (ret < 0)
		return 0;
	VG_BEGIN(h, m, VG_EV_MEMFD, struct vg_memfd);
	vg_syscall_args(&s);
	h->ret = ret;
	m->fd = ret;
	m->flags = s.a[1];
	/* the name the kernel gave the file, not the caller's string */
	f = vg_current_fd(ret);
	if (f)
		vg_put_kernel_str(h, &m->name, f->f_path.dentry->d_name.name, 256);
	return vg_submit(h);
}

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

	if (!(prot & VG_PROT_EXEC) || !vg_interested(VG_EV_MPROTECT))
		return 0;
	if (lookup)
		bpf_find_vma(bpf_get_current_task_btf(), addr, vg_vma_cb, &v, 0);
	if (v.found && (v.prot & VG_PROT_EXEC))
		return 0; /* already executable: nothing added */
	VG_BEGIN(h, m, VG_EV_MPROTECT, struct vg_mprotect);
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
int vg_file_mprotect_sys_enter_mprotect_vma(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, true);
}

SEC("tp/syscalls/sys_enter_mprotect")
int vg_file_mprotect_sys_enter_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, false);
}

SEC("tp/syscalls/sys_enter_pkey_mprotect")
int vg_file_mprotect_sys_enter_pkey_mprotect_vma(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, true);
}

SEC("tp/syscalls/sys_enter_pkey_mprotect")
int vg_file_mprotect_sys_enter_pkey_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	return vg_file_mprotect(ctx, false);
}

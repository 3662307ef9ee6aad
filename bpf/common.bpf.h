/* common.bpf.h — what every vigil BPF program shares: the maps, and the extract / store /
 * submit helpers (after Falco's modern_bpf split).
 *
 * A program builds its record in a per-CPU scratch buffer (vg_begin), appends variable
 * data (vg_put_*), then copies it to the ring buffer in one go (vg_submit). Every record
 * that is built but cannot be delivered is counted by type and reason and consumes a
 * per-CPU sequence number, so user space can prove the loss from the gap.
 */
#ifndef VIGIL_COMMON_BPF_H
#define VIGIL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vigil_event.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifndef AF_INET
#define AF_INET 2
#define AF_INET6 10
#define AF_UNIX 1
#endif
#define VG_S_IFMT 00170000
#define VG_S_IFSOCK 0140000
#define VG_S_IFIFO 0010000
#define VG_S_IFCHR 0020000
#define VG_S_IFREG 0100000
#define VG_SIGNAL_GROUP_EXIT 0x00000004

/* Set by user space before load. */
const volatile __u32 vg_self_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space (--ring-size) */
} vg_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[VG_SCRATCH_SIZE]);
} vg_scratch SEC(".maps");

/* Per-CPU sequence of records that were meant for user space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vg_seq SEC(".maps");

/* Drop counters: index type * VG_DROP__COUNT + reason. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_EV__COUNT * VG_DROP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} vg_drops SEC(".maps");

/* Interest: 1 when somebody (an output, a rule, the process table) consumes the type.
 * Written by user space at start and on rule reload; events nobody wants are not built. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_EV__COUNT);
	__type(key, __u32);
	__type(value, __u8);
} vg_interest SEC(".maps");

/* ---- noise control ------------------------------------------------------------
 * Allowlisted processes (exe inode or command-line hash, decided at exec) deliver only
 * their lifecycle events, which the process table needs. Every other event passes a
 * per-exe, per-type token bucket. Both count what they suppress. */

const volatile __u32 vg_rate_per_sec = 0; /* 0: no per-exe limit */
const volatile __u32 vg_rate_burst = 0;
const volatile __u32 vg_allow_cmdlines = 0; /* 1 when the cmdline allowlist is non-empty */

struct vg_inode_key {
	__u64 dev;
	__u64 ino;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vg_inode_key);
	__type(value, __u8);
} vg_allow_exe SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64); /* FNV-1a of the first VG_CMDHASH_LEN bytes of argv as captured */
	__type(value, __u8);
} vg_allow_cmd SEC(".maps");

/* Executables killed at exec, before their first instruction (rules with action kill
 * that pin proc.exe). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vg_inode_key);
	__type(value, __u8);
} vg_kill_exe SEC(".maps");

#define VG_TASK_ALLOWED 1u

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tgid */
	__type(value, __u32);
} vg_task_flags SEC(".maps");

struct vg_rate_key {
	__u64 ino; /* exe inode */
	__u32 type;
	__u32 pad;
};

struct vg_bucket {
	__u64 last_ns;
	__u64 tokens; /* scaled by 1e9: token-nanoseconds */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vg_rate_key);
	__type(value, struct vg_bucket);
} vg_rate SEC(".maps");

/* Token bucket: rate per second, burst tokens. Approximate under concurrency, which is
 * fine for noise control. True when a token was taken. */
static __always_inline bool vg_bucket_take(void *map, const void *key, __u32 rate, __u32 burst)
{
	__u64 now = bpf_ktime_get_boot_ns(), cap = (__u64)burst * 1000000000ull;
	struct vg_bucket *b = bpf_map_lookup_elem(map, key), fresh;

	if (!b) {
		fresh.last_ns = now;
		fresh.tokens = cap - 1000000000ull;
		bpf_map_update_elem(map, key, &fresh, BPF_ANY);
		return true;
	}
	b->tokens += (now - b->last_ns) * rate;
	b->last_ns = now;
	if (b->tokens > cap)
		b->tokens = cap;
	if (b->tokens < 1000000000ull)
		return false;
	b->tokens -= 1000000000ull;
	return true;
}

static __always_inline bool vg_lifecycle(__u32 type)
{
	return type == VG_EV_EXEC || type == VG_EV_FORK || type == VG_EV_EXIT;
}

static __always_inline void vg_count_drop(__u32 type, __u32 reason);

/* False (and counted) when noise control suppresses this event of task. */
static __always_inline bool vg_noise_pass(__u32 type, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 *flags;

	if (vg_lifecycle(type))
		return true;
	flags = bpf_map_lookup_elem(&vg_task_flags, &tgid);
	if (flags && (*flags & VG_TASK_ALLOWED)) {
		vg_count_drop(type, VG_DROP_ALLOWLIST);
		return false;
	}
	if (vg_rate_per_sec) {
		struct vg_rate_key key = { .type = type };

		key.ino = BPF_CORE_READ(task, mm, exe_file, f_inode, i_ino);
		if (!vg_bucket_take(&vg_rate, &key, vg_rate_per_sec, vg_rate_burst)) {
			vg_count_drop(type, VG_DROP_RATE_LIMIT);
			return false;
		}
	}
	return true;
}

static __always_inline void vg_count_drop(__u32 type, __u32 reason)
{
	__u32 key = type * VG_DROP__COUNT + reason;
	__u64 *n = bpf_map_lookup_elem(&vg_drops, &key);

	if (n)
		__sync_fetch_and_add(n, 1); /* atomic: a softirq program may nest on this CPU */
}

/* A lost record still takes a sequence number: the gap is the proof. */
static __always_inline void vg_lose(__u32 type, __u32 reason)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&vg_seq, &zero);

	if (seq)
		__sync_fetch_and_add(seq, 1);
	vg_count_drop(type, reason);
}

static __always_inline bool vg_interested(__u32 type)
{
	__u8 *on = bpf_map_lookup_elem(&vg_interest, &type);

	return on && *on;
}

static __always_inline bool vg_is_self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == vg_self_pid;
}

/* ---- extract: values from kernel state ---------------------------------------- */

static __always_inline __u32 vg_ns_inum(void *ns_common_ptr)
{
	struct ns_common *ns = ns_common_ptr;

	return BPF_CORE_READ(ns, inum);
}

/* The header describes the current task (the actor: exec'ing, forking, exiting or making
 * the syscall). Reading it through the trusted pointer of bpf_get_current_task_btf()
 * turns each field into a direct load instead of a helper call, in every program type. */
static __always_inline void vg_fill_task(struct vg_hdr *h)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->real_cred;
	struct nsproxy *nsp = task->nsproxy;
	struct pid *tpid = task->thread_pid;
	struct upid up = {};

	h->pid = task->tgid;
	h->tid = task->pid;
	h->ppid = task->real_parent->tgid;
	h->start_time = task->group_leader->start_boottime;
	h->uid = cred->uid.val;
	h->euid = cred->euid.val;
	h->gid = cred->gid.val;
	h->egid = cred->egid.val;
	if (bpf_core_field_exists(task->loginuid))
		h->auid = task->loginuid.val;
	else
		h->auid = (__u32)-1;
	if (nsp) {
		h->mntns = nsp->mnt_ns->ns.inum;
		h->netns = nsp->net_ns->ns.inum;
	}
	bpf_probe_read_kernel(&up, sizeof(up), &tpid->numbers[tpid->level & 31]);
	h->vpid = up.nr;
	h->pidns = BPF_CORE_READ(up.ns, ns.inum);
	__builtin_memcpy(h->comm, task->comm, sizeof(h->comm));
}

/* ---- store: the scratch record ------------------------------------------------ */

static __always_inline __u8 *vg_scratch_buf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vg_scratch, &zero);
}

/* Starts a record of `type` whose fixed body is body_size bytes (zeroed by VG_BEGIN). NULL
 * when the event is not wanted (no interest, vigil itself) or scratch is unavailable
 * (counted). */
static __always_inline struct vg_hdr *vg_begin(__u32 type, __u32 body_size,
					       struct task_struct *task)
{
	struct vg_hdr *h;

	if (!vg_interested(type) || vg_is_self() || !vg_noise_pass(type, task))
		return NULL;
	h = (struct vg_hdr *)vg_scratch_buf();
	if (!h) {
		vg_lose(type, VG_DROP_NO_SCRATCH);
		return NULL;
	}
	__builtin_memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = sizeof(*h) + body_size;
	h->ts = bpf_ktime_get_boot_ns();
	h->cpu = bpf_get_smp_processor_id();
	vg_fill_task(h);
	return h;
}

/* h and body (of type T) for event `type` from `task`; returns from the caller when the
 * event is not wanted. */
#define VG_BEGIN(h, body, type, T, task)                                \
	struct vg_hdr *h = vg_begin(type, sizeof(T), task);             \
	if (!h)                                                         \
		return 0;                                               \
	T *body = (T *)(h + 1);                                         \
	__builtin_memset(body, 0, sizeof(T))

static __always_inline void *vg_body(struct vg_hdr *h)
{
	return (void *)(h + 1);
}

/* Space left for variable data, 0 when the record is full. */
static __always_inline __u32 vg_room(struct vg_hdr *h)
{
	return h->size < VG_MAX_RECORD ? VG_MAX_RECORD - h->size : 0;
}

/* Appends up to max bytes (bounded by the room left); returns bytes written or <0. */
static __always_inline int vg_put_user_bytes(struct vg_hdr *h, struct vg_str *s, const void *uptr,
					     __u32 len)
{
	__u32 pos = h->size;

	if (len > vg_room(h))
		len = vg_room(h);
	if (len == 0 || pos > VG_MAX_RECORD - 1)
		return -1;
	/* the mask must survive the optimiser for the verifier to see the bound */
	asm volatile("" : "+r"(len));
	len &= VG_MAX_RECORD - 1;
	if (bpf_probe_read_user((__u8 *)h + pos, len, uptr) < 0)
		return -1;
	s->off = pos;
	s->len = len;
	h->size = pos + len;
	return len;
}

static __always_inline int vg_put_str_common(struct vg_hdr *h, struct vg_str *s, const void *ptr,
					     __u32 max, bool user)
{
	__u64 pos = h->size;
	long n;

	/* one opaque 64-bit register, so the bounds check and the use see the same one */
	asm volatile("" : "+r"(pos));

	if (max > vg_room(h))
		max = vg_room(h);
	if (max > VG_MAX_RECORD - 1 || pos > VG_MAX_RECORD - 1 || max == 0)
		return -1;
	n = user ? bpf_probe_read_user_str((__u8 *)h + pos, max, ptr)
		 : bpf_probe_read_kernel_str((__u8 *)h + pos, max, ptr);
	if (n <= 0)
		return -1;
	s->off = pos;
	s->len = n - 1; /* drop the NUL */
	h->size = pos + n - 1;
	return n - 1;
}

static __always_inline int vg_put_user_str(struct vg_hdr *h, struct vg_str *s, const void *uptr,
					   __u32 max)
{
	return vg_put_str_common(h, s, uptr, max, true);
}

static __always_inline int vg_put_kernel_str(struct vg_hdr *h, struct vg_str *s, const void *kptr,
					     __u32 max)
{
	return vg_put_str_common(h, s, kptr, max, false);
}

/* A typed view of a kernel pointer (a scalar from a map, a struct, a helper): loads through
 * it are direct, exception-handled loads instead of one helper call per field. The
 * verifier inlines the kfunc to a register move, so the cast itself is free. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define VG_CAST(type, ptr) ((struct type *)bpf_rdonly_cast((ptr), bpf_core_type_id_kernel(struct type)))

/* Path walk, leaf first (see vigil_event.h). Runs under bpf_loop so the verifier checks
 * one iteration, not VG_PATH_DEPTH of them. */
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

/* The current task's file behind fd, or NULL, typed (VG_CAST): plain loads from the trusted
 * current-task pointer; every syscall hook's task is the current one. */
static __always_inline struct file *vg_current_fd(__u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	return f ? bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file)) : NULL;
}

static __always_inline void vg_sock_endpoints(struct sock *any, struct vg_sockaddr *local,
					      struct vg_sockaddr *remote, __u8 *proto)
{
	struct sock *sk = bpf_rdonly_cast(any, bpf_core_type_id_kernel(struct sock));
	struct sock_common *c = &sk->__sk_common;
	__u16 family = c->skc_family;
	__u32 *l = (__u32 *)local->addr, *r = (__u32 *)remote->addr;

	local->family = remote->family = family;
	local->port = c->skc_num;
	remote->port = __builtin_bswap16(c->skc_dport);
	if (proto)
		*proto = sk->sk_protocol;
	if (family == AF_INET) {
		l[0] = c->skc_rcv_saddr;
		r[0] = c->skc_daddr;
	} else if (family == AF_INET6) {
		for (int i = 0; i < 4; i++) {
			l[i] = c->skc_v6_rcv_saddr.in6_u.u6_addr32[i];
			r[i] = c->skc_v6_daddr.in6_u.u6_addr32[i];
		}
	}
}

/* Describes what a file is: a socket with its endpoints, a pipe, a tty, or a path. */
static __always_inline void vg_put_fdinfo(struct vg_hdr *h, struct vg_fdinfo *fi, struct file *any)
{
	struct file *f = VG_CAST(file, any);
	struct inode *inode;
	__u32 mode;

	if (!any)
		return;
	inode = f->f_inode;
	mode = inode->i_mode & VG_S_IFMT;
	fi->ino = inode->i_ino;
	if (mode == VG_S_IFSOCK) {
		struct socket *sock = VG_CAST(socket, f->private_data);
		struct sock *sk = sock->sk;
		__u16 family = sk->__sk_common.skc_family;

		fi->kind = VG_FD_SOCKET;
		fi->sock_family = family;
		if (family == AF_INET || family == AF_INET6)
			vg_sock_endpoints(sk, &fi->local, &fi->remote, &fi->proto);
	} else if (mode == VG_S_IFIFO) {
		fi->kind = VG_FD_PIPE;
	} else {
		__u32 major = inode->i_rdev >> 20;

		/* char devices are ttys only on the tty majors (tty, console/ptmx, pts) */
		if (mode == VG_S_IFCHR)
			fi->kind = major == 4 || major == 5 || (major >= 136 && major <= 143) ? VG_FD_TTY : VG_FD_FILE;
		else
			fi->kind = mode == VG_S_IFREG ? VG_FD_FILE : VG_FD_OTHER;
		vg_put_dentry(h, &fi->path, f->f_path.dentry, f->f_path.mnt);
	}
}

/* ---- submit ------------------------------------------------------------------- */

/* Waking the reader costs an irq_work (an IPI, a VM exit under virtualisation) per record
 * when it keeps up, which dominated the cost of every event. So records are written
 * without a wakeup; the reader polls every few milliseconds, and the producer wakes it only
 * when the ring is an eighth full, so bursts still drain early. */
static __always_inline __u64 vg_wakeup_flag(void)
{
	__u64 avail = bpf_ringbuf_query(&vg_events, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(&vg_events, BPF_RB_RING_SIZE);

	return avail > size / 8 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline int vg_submit(struct vg_hdr *h)
{
	__u32 zero = 0, size = h->size;
	__u64 *seq = bpf_map_lookup_elem(&vg_seq, &zero);

	if (!seq)
		return -1;
	/* fetch-and-add, not load then store: a program in softirq context (tcp_send_reset,
	 * inet_sock_set_state) can interrupt this one between the two on the same CPU, and a
	 * duplicated number would hide a loss */
	h->seq = __sync_fetch_and_add(seq, 1);
	if (size > VG_MAX_RECORD) {
		vg_count_drop(h->type, VG_DROP_OVERSIZE);
		return -1;
	}
	/* the check above lets the compiler drop the mask; the verifier needs it */
	asm volatile("" : "+r"(size));
	if (bpf_ringbuf_output(&vg_events, h, size & (VG_SCRATCH_SIZE - 1), vg_wakeup_flag()) < 0) {
		vg_count_drop(h->type, VG_DROP_RING_FULL);
		return -1;
	}
	return 0;
}

/* One program body, two attach points: tp_btf where it loads (typed, cheaper), raw_tp as the
 * fallback. Both hand the body raw task pointers it reads with CO-RE. The loader autoloads
 * exactly one of each pair. */
#define VG_TP_PAIR(tp, body, ...)                                                   \
	SEC("tp_btf/" #tp) int BPF_PROG(tp##_btf, ##__VA_ARGS__) { return body; }   \
	SEC("raw_tp/" #tp) int BPF_PROG(tp##_raw, ##__VA_ARGS__) { return body; }

#endif

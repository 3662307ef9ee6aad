/* lib/extract.h — values read from kernel state: the current task (the header), its
 * file descriptors, sockets and pid numbers. Reads go through trusted or typed pointers
 * (bpf_get_current_task_btf, bpf_rdonly_cast) so each field is a direct load, not a
 * helper call. */
#ifndef VIGIL_LIB_EXTRACT_H
#define VIGIL_LIB_EXTRACT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vigil_event.h"

#define VG_S_IFMT 00170000
#define VG_S_IFSOCK 0140000
#define VG_S_IFIFO 0010000
#define VG_S_IFCHR 0020000
#define VG_S_IFREG 0100000

/* arch/x86/include/asm/thread_info.h: thread_info.status while the task is in a 32-bit
 * (ia32) syscall, in_ia32_syscall(). Not in BTF (a #define). */
#define VG_TS_COMPAT 0x0002
/* include/linux/sched.h: an io_uring worker thread (io-wq, SQPOLL) of the process. */
#define VG_PF_IO_WORKER 0x00000010

/* A typed view of a kernel pointer (a scalar from a map, a struct, a helper): loads through
 * it are direct, exception-handled loads instead of one helper call per field. The
 * verifier inlines the kfunc to a register move, so the cast itself is free. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define VG_CAST(type, ptr) ((struct type *)bpf_rdonly_cast((ptr), bpf_core_type_id_kernel(struct type)))

/* The header describes the current task (the actor: exec'ing, forking, exiting or making
 * the syscall). */
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
	/* an io_uring worker thread is named after itself (iou-wrk-N): the process is its leader */
	__builtin_memcpy(h->comm, task->flags & VG_PF_IO_WORKER ? task->group_leader->comm : task->comm,
			 sizeof(h->comm));
}

/* The task's process-group or session id (type PIDTYPE_PGID / PIDTYPE_SID), as the
 * initial pid namespace numbers it. */
static __always_inline __u32 vg_task_pid_nr(struct task_struct *task, int type)
{
	struct signal_struct *sig = BPF_CORE_READ(task, signal);
	struct pid *p = NULL;

	bpf_probe_read_kernel(&p, sizeof(p), &sig->pids[type & 3]);
	return BPF_CORE_READ(p, numbers[0].nr);
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

/* The inode key (dev in the kernel's encoding, ino) of a file, as user space builds it
 * from stat(2). */
static __always_inline struct vg_inode_key vg_file_inode_key(struct file *any)
{
	struct file *f = VG_CAST(file, any);
	struct inode *inode = f->f_inode;
	struct vg_inode_key key = { .dev = inode->i_sb->s_dev, .ino = inode->i_ino };

	return key;
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
	if (family == VG_AF_INET) {
		l[0] = c->skc_rcv_saddr;
		r[0] = c->skc_daddr;
	} else if (family == VG_AF_INET6) {
		for (int i = 0; i < 4; i++) {
			l[i] = c->skc_v6_rcv_saddr.in6_u.u6_addr32[i];
			r[i] = c->skc_v6_daddr.in6_u.u6_addr32[i];
		}
	}
}

/* The endpoints sock:inet_sock_set_state reports (ports in host order). The addresses are
 * probe reads: a ctx field chosen at run time (by family) is not a constant ctx offset,
 * which the verifier wants for direct loads. */
static __always_inline void vg_sock_state_endpoints(const struct trace_event_raw_inet_sock_set_state *ctx,
						    struct vg_sockaddr *local, struct vg_sockaddr *remote)
{
	local->family = remote->family = ctx->family;
	local->port = ctx->sport;
	remote->port = ctx->dport;
	if (ctx->family == VG_AF_INET) {
		bpf_probe_read_kernel(local->addr, 4, ctx->saddr);
		bpf_probe_read_kernel(remote->addr, 4, ctx->daddr);
	} else {
		bpf_probe_read_kernel(local->addr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(remote->addr, 16, ctx->daddr_v6);
	}
}

/* The inet socket (VG_AF_INET/VG_AF_INET6) behind a file, or NULL. */
static __always_inline struct sock *vg_file_inet_sock(struct file *f)
{
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (!f || (f->f_inode->i_mode & VG_S_IFMT) != VG_S_IFSOCK)
		return NULL;
	sock = VG_CAST(socket, f->private_data);
	sk = sock->sk;
	if (!sk)
		return NULL;
	family = sk->__sk_common.skc_family;
	return family == VG_AF_INET || family == VG_AF_INET6 ? sk : NULL;
}

#endif

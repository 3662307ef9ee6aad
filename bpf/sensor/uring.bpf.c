/* uring.bpf.c — io_uring: operations submitted through a ring never pass the syscall
 * tracepoints the file and network events hook, so two io_uring tracepoints see them.
 *
 * io_uring:io_uring_submit_req runs after the request was prepared: its paths, addresses
 * and socket arguments are the kernel's copies. The operations that name files, connect,
 * send to an address or make sockets (VG_URING_OPS) become io_uring_op events.
 *
 * io_uring:io_uring_complete turns the result of OPENAT/OPENAT2 into the ordinary
 * create_file and open events (file.call = io_uring; the new fd is in the process's table,
 * which its io_uring workers share), so every rule about files judges io_uring opens as it
 * judges open(2). TCP connects through a ring are seen by net.bpf.c's SYN_SENT hook
 * (net.via = io_uring).
 *
 * Both run for every request of every ring; processes without rings never reach them.
 * Included after file.bpf.c, whose open reporting the completion hook shares. */
#include "lib/store.h"
#include "lib/path.h"
#include "uring_event.h"

/* io_uring/io_uring.h: the request's fd is an index into the ring's registered files
 * (bit 0 of io_kiocb.flags since 5.1). */
#define VG_REQ_F_FIXED_FILE 1ull

static __always_inline bool vg_uring_reported(__u32 op)
{
	switch (op) {
#define VG_URING_CASE(name, value) case value:
	VG_URING_OPS(VG_URING_CASE)
#undef VG_URING_CASE
		return true;
	}
	return false;
}

/* The sockaddr a request copied into its async data when it was prepared. A send given
 * an address keeps it in its struct io_async_msghdr (msg.msg_name then points at the copy);
 * connect and bind did too until kernels that keep a bare struct sockaddr_storage (2026
 * stable backports). The bare form starts with its family; the msghdr form starts with an
 * iovec pointer that connect and bind never set (NULL), so the first two bytes tell. */
static __always_inline void vg_uring_addr(struct io_kiocb *r, struct vg_uring_op *u, bool send)
{
	struct io_async_msghdr *io = VG_CAST(io_async_msghdr, r->async_data);
	__u16 family = 0;

	if (!r->async_data)
		return;
	if (send) {
		if (io->msg.msg_name)
			vg_net_sockaddr(&u->addr, &io->addr, sizeof(io->addr), false);
		return;
	}
	bpf_probe_read_kernel(&family, sizeof(family), r->async_data);
	if (family == VG_AF_INET || family == VG_AF_INET6)
		vg_net_sockaddr(&u->addr, r->async_data, sizeof(struct sockaddr_in6), false);
	else
		vg_net_sockaddr(&u->addr, &io->addr, sizeof(io->addr), false);
}

/* A struct filename's string (the kernel's copy of what the caller passed) at (dfd, name). */
static __always_inline void vg_uring_path(struct vg_hdr *h, struct vg_upath *p, int dfd, struct filename *any)
{
	struct filename *fn = VG_CAST(filename, any);

	if (any)
		vg_put_named_path(h, p, dfd, fn->name, NULL, false);
}

static __always_inline int vg_uring_on_submit(struct io_kiocb *any)
{
	struct io_kiocb *r = VG_CAST(io_kiocb, any);
	__u32 op = r->opcode;

	if (!vg_uring_reported(op) || !vg_interested(VG_EV_IO_URING_OP))
		return 0;
	/* sends on a connected socket are data, not a destination */
	if (op == VG_IORING_OP_SEND || op == VG_IORING_OP_SENDMSG || op == VG_IORING_OP_SEND_ZC ||
	    op == VG_IORING_OP_SENDMSG_ZC) {
		struct io_async_msghdr *io = VG_CAST(io_async_msghdr, r->async_data);

		if (!r->async_data || !io->msg.msg_name)
			return 0;
	}
	VG_BEGIN(h, u, VG_EV_IO_URING_OP, struct vg_uring_op);
	u->opcode = op;
	u->fd = r->cqe.fd;
	u->fixed = (r->flags & VG_REQ_F_FIXED_FILE) != 0;
	switch (op) {
	case VG_IORING_OP_OPENAT:
	case VG_IORING_OP_OPENAT2: {
		struct io_open *o = VG_CAST(io_open, r);

		u->flags = o->how.flags;
		vg_uring_path(h, &u->path, o->dfd, o->filename);
		break;
	}
	case VG_IORING_OP_RENAMEAT: {
		struct io_rename *o = VG_CAST(io_rename, r);

		u->flags = o->flags;
		vg_uring_path(h, &u->path, o->old_dfd, o->oldpath);
		vg_uring_path(h, &u->newpath, o->new_dfd, o->newpath);
		break;
	}
	case VG_IORING_OP_LINKAT:
	case VG_IORING_OP_SYMLINKAT: {
		struct io_link *o = VG_CAST(io_link, r);

		u->flags = o->flags;
		if (op == VG_IORING_OP_LINKAT) {
			vg_uring_path(h, &u->path, o->old_dfd, o->oldpath);
		} else if (o->oldpath) { /* a symlink's target is text, stored as given */
			struct filename *target = VG_CAST(filename, o->oldpath);

			vg_put_kernel_str(h, &u->newpath.name, target->name, VG_PATH_MAX);
		}
		vg_uring_path(h, op == VG_IORING_OP_LINKAT ? &u->newpath : &u->path, o->new_dfd, o->newpath);
		break;
	}
	case VG_IORING_OP_UNLINKAT: {
		struct io_unlink *o = VG_CAST(io_unlink, r);

		u->flags = o->flags;
		vg_uring_path(h, &u->path, o->dfd, o->filename);
		break;
	}
	case VG_IORING_OP_MKDIRAT: {
		struct io_mkdir *o = VG_CAST(io_mkdir, r);

		u->flags = o->mode;
		vg_uring_path(h, &u->path, o->dfd, o->filename);
		break;
	}
	case VG_IORING_OP_SETXATTR:
	case VG_IORING_OP_FSETXATTR: {
		struct io_xattr *o = VG_CAST(io_xattr, r);
		struct xattr_name *kname = VG_CAST(xattr_name, o->ctx.kname);

		u->flags = o->ctx.flags;
		if (o->ctx.kname)
			vg_put_kernel_str(h, &u->xattr, kname->name, 256);
		if (op == VG_IORING_OP_SETXATTR)
			vg_uring_path(h, &u->path, VG_AT_FDCWD, o->filename);
		else if (!u->fixed)
			vg_put_file_path(h, &u->path.dir, vg_current_fd(u->fd));
		break;
	}
	case VG_IORING_OP_SOCKET: {
		struct io_socket *o = VG_CAST(io_socket, r);

		u->domain = o->domain;
		u->flags = o->type;
		u->protocol = o->protocol;
		break;
	}
	case VG_IORING_OP_FTRUNCATE: {
		struct io_ftrunc *o = VG_CAST(io_ftrunc, r);

		u->len = o->len;
		if (!u->fixed)
			vg_put_file_path(h, &u->path.dir, vg_current_fd(u->fd));
		break;
	}
	case VG_IORING_OP_URING_CMD:
		u->flags = VG_CAST(io_uring_cmd, r)->cmd_op;
		break;
	case VG_IORING_OP_CONNECT:
	case VG_IORING_OP_BIND:
		vg_uring_addr(r, u, false);
		break;
	case VG_IORING_OP_SEND:
	case VG_IORING_OP_SENDMSG:
	case VG_IORING_OP_SEND_ZC:
	case VG_IORING_OP_SENDMSG_ZC:
		vg_uring_addr(r, u, true);
		break;
	}
	return vg_submit(h);
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(vg_uring_op_io_uring_submit_req_btf, struct io_kiocb *req)
{
	return vg_uring_on_submit(req);
}

SEC("raw_tp/io_uring_submit_req")
int BPF_PROG(vg_uring_op_io_uring_submit_req_raw, struct io_kiocb *req)
{
	return vg_uring_on_submit(req);
}

/* An OPENAT/OPENAT2 that put a new fd in the process's table: the create_file and open
 * events, as open(2) would give them. Opens into a fixed-file slot (no fd) and failed ones
 * are io_uring_op events only. */
static __always_inline int vg_uring_on_complete(void *any, struct io_uring_cqe *any_cqe)
{
	struct io_kiocb *r = VG_CAST(io_kiocb, any);
	struct io_uring_cqe *cqe = VG_CAST(io_uring_cqe, any_cqe);
	bool create = vg_interested(VG_EV_CREATE), open = vg_interested(VG_EV_OPEN);
	struct vg_open_args a = { .name = NULL, .call = VG_CALL_IO_URING };
	struct vg_fsubject subject;
	struct io_open *o;
	struct file *f;
	int res;

	if (r->opcode != VG_IORING_OP_OPENAT && r->opcode != VG_IORING_OP_OPENAT2)
		return 0;
	o = VG_CAST(io_open, r);
	res = cqe->res;
	if (res < 0 || o->file_slot || (!create && !open) || !(f = vg_current_fd(res)))
		return 0;
	a.dfd = o->dfd;
	a.flags = o->how.flags;
	vg_writer_note(f, a.flags, f->f_mode & VG_FMODE_CREATED);
	subject = (struct vg_fsubject){ .f = vg_filter_get(), .p = vg_fpath_get(), .file = f, .dfd = a.dfd,
					     .call = a.call, .flags = a.flags };
	if (create)
		vg_file_created(res, f, &a, &subject);
	if (open)
		vg_file_opened(res, f, &a, &subject);
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(vg_uring_open_io_uring_complete_btf, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	return vg_uring_on_complete(req, cqe);
}

SEC("raw_tp/io_uring_complete")
int BPF_PROG(vg_uring_open_io_uring_complete_raw, struct io_ring_ctx *ring, void *req, struct io_uring_cqe *cqe)
{
	return vg_uring_on_complete(req, cqe);
}

/* uring_event.h — wire body of io_uring_op (bpf/sensor/uring.bpf.c -> src/decode/uring.c):
 * an operation submitted through an io_uring ring, which never passes the syscall
 * tracepoints the file and network events hook. */
#ifndef VIGIL_URING_EVENT_H
#define VIGIL_URING_EVENT_H

#include "vigil_event.h"

/* X(NAME, IORING_OP_ value): the operations reported (uring.op is the name). They name
 * files, change them, connect, send to an address, or make and accept sockets; reads,
 * writes and polls of descriptors already open (whose open was an event) are not. */
#define VG_URING_OPS(X)                                                                  \
	X(SENDMSG, 9) X(ACCEPT, 13) X(CONNECT, 16) X(OPENAT, 18) X(SEND, 26) X(OPENAT2, 28) \
	X(RENAMEAT, 35) X(UNLINKAT, 36) X(MKDIRAT, 37) X(SYMLINKAT, 38) X(LINKAT, 39)     \
	X(FSETXATTR, 41) X(SETXATTR, 42) X(SOCKET, 45) X(URING_CMD, 46) X(SEND_ZC, 47)    \
	X(SENDMSG_ZC, 48) X(FIXED_FD_INSTALL, 54) X(FTRUNCATE, 55) X(BIND, 56) X(LISTEN, 57)

enum {
#define VG_URING_ENUM(name, value) VG_IORING_OP_##name = value,
	VG_URING_OPS(VG_URING_ENUM)
#undef VG_URING_ENUM
};

/* One submitted request, as the kernel prepared it: names and addresses are the kernel's
 * copies (TOCTOU-safe), taken before the operation runs, so its result is not known. */
struct vg_uring_op {
	struct vg_upath path;    /* OPENAT(2), UNLINKAT, MKDIRAT, SETXATTR: the file; RENAMEAT,
				  * LINKAT: the old name; SYMLINKAT: the link; FTRUNCATE,
				  * FSETXATTR: the fd's file (dir only) */
	struct vg_upath newpath; /* RENAMEAT, LINKAT: the new name; SYMLINKAT: the target text (name only) */
	struct vg_str xattr;     /* (F)SETXATTR: the attribute's name */
	struct vg_sockaddr addr; /* CONNECT, BIND, SENDMSG/SEND(_ZC) with an address */
	__u64 flags;             /* open flags, AT_ and RENAME_ flags, mkdir mode, socket type, URING_CMD cmd_op */
	__s64 len;               /* FTRUNCATE: the length */
	__s32 fd;                /* the request's descriptor (sqe->fd): an index into the ring's files when fixed */
	__u32 opcode;            /* IORING_OP_* */
	__u32 domain, protocol;  /* SOCKET */
	__u8 fixed;              /* fd is a registered (fixed) file of the ring */
	__u8 pad[7];
};

#endif

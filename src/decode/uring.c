/* decode/uring.c — io_uring_op (bpf/sensor/uring.bpf.c): an operation submitted through an
 * io_uring ring, with the paths and addresses the kernel copied when it prepared it. The
 * opens such requests make are also create_file and open events (file.call = io_uring),
 * decoded by decode/file.c. */
#include <stdio.h>
#include <string.h>
#include "decode/decode.h"
#include "uring_event.h"

enum {
	F_OP, F_OPCODE, F_FD, F_FIXED, F_PATH, F_PATH_ARG, F_NEWPATH, F_NEWPATH_ARG, F_FLAGS, F_XATTR,
	F_ADDR, F_PORT, F_FAMILY, F_PROTOCOL, F_LEN,
	F_COUNT
};

static const struct vg_field fields[F_COUNT] = {
	[F_OP] = { "uring.op", VG_V_STR, "the operation: OPENAT, CONNECT, RENAMEAT, SOCKET, ... (IORING_OP_ without the prefix)" },
	[F_OPCODE] = { "uring.opcode", VG_V_INT, "the IORING_OP_* number" },
	[F_FD] = { "uring.fd", VG_V_INT, "the request's descriptor (an index into the ring's files when uring.fixed)" },
	[F_FIXED] = { "uring.fixed", VG_V_BOOL, "uring.fd is a file registered with the ring, not a descriptor" },
	[F_PATH] = { "uring.path", VG_V_STR,
		     "the file named (OPENAT, UNLINKAT, MKDIRAT, SETXATTR; RENAMEAT and LINKAT: the old name; SYMLINKAT: "
		     "the link; FTRUNCATE, FSETXATTR: the descriptor's file), absolute" },
	[F_PATH_ARG] = { "uring.path_arg", VG_V_STR, "that name as the request gave it (the kernel's copy)" },
	[F_NEWPATH] = { "uring.newpath", VG_V_STR,
			"RENAMEAT, LINKAT: the new name, absolute; SYMLINKAT: the link's target text" },
	[F_NEWPATH_ARG] = { "uring.newpath_arg", VG_V_STR, "the new name as the request gave it" },
	[F_FLAGS] = { "uring.flags", VG_V_INT,
		      "OPENAT(2): open flags; RENAMEAT/UNLINKAT/LINKAT: their flags; MKDIRAT: the mode; SOCKET: the "
		      "type; URING_CMD: the command" },
	[F_XATTR] = { "uring.xattr", VG_V_STR, "SETXATTR, FSETXATTR: the attribute's name" },
	[F_ADDR] = { "uring.addr", VG_V_IP, "CONNECT, BIND, SEND/SENDMSG to an address: the address (the kernel's copy)" },
	[F_PORT] = { "uring.port", VG_V_INT, "its port" },
	[F_FAMILY] = { "uring.family", VG_V_STR, "SOCKET: the address family (ipv4, ipv6, packet, ..., or its number)" },
	[F_PROTOCOL] = { "uring.protocol", VG_V_INT, "SOCKET: the protocol argument" },
	[F_LEN] = { "uring.len", VG_V_INT, "FTRUNCATE: the length" },
};

static const char *op_name(unsigned op)
{
	switch (op) {
#define OP_NAME(name, value) case value: return #name;
		VG_URING_OPS(OP_NAME)
#undef OP_NAME
	}
	return NULL;
}

static int decode_op(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_uring_op *u = body;
	const char *op = op_name(u->opcode), *family;
	char buf[16];

	if (!op)
		return -1; /* the kernel reports only the operations it names */
	vg_event_add_str(ev, &fields[F_OP], op, strlen(op));
	vg_event_add_int(ev, &fields[F_OPCODE], u->opcode);
	vg_event_add_int(ev, &fields[F_FD], u->fd);
	vg_event_add_bool(ev, &fields[F_FIXED], u->fixed);
	if (vg_add_upath(ev, &fields[F_PATH], &fields[F_PATH + 1], &u->path) < 0)
		return -1;
	if (u->opcode == VG_IORING_OP_SYMLINKAT)
		vg_add_raw_str(ev, &fields[F_NEWPATH], u->newpath.name);
	else if (vg_add_upath(ev, &fields[F_NEWPATH], &fields[F_NEWPATH + 1], &u->newpath) < 0)
		return -1;
	vg_add_raw_str(ev, &fields[F_XATTR], u->xattr);
	if (u->flags || u->opcode == VG_IORING_OP_OPENAT || u->opcode == VG_IORING_OP_OPENAT2)
		vg_event_add_int(ev, &fields[F_FLAGS], (int64_t)u->flags);
	if (u->addr.family) {
		vg_add_ip(ev, &fields[F_ADDR], &u->addr);
		vg_event_add_int(ev, &fields[F_PORT], u->addr.port);
	}
	if (u->opcode == VG_IORING_OP_SOCKET) {
		if (!(family = vg_family_name(u->domain))) {
			snprintf(buf, sizeof(buf), "%u", u->domain);
			family = vg_event_keep(ev, buf, strlen(buf));
		}
		if (family)
			vg_event_add_str(ev, &fields[F_FAMILY], family, strlen(family));
		vg_event_add_int(ev, &fields[F_PROTOCOL], u->protocol);
	}
	if (u->opcode == VG_IORING_OP_FTRUNCATE)
		vg_event_add_int(ev, &fields[F_LEN], u->len);
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_IO_URING_OP, sizeof(struct vg_uring_op), decode_op },
};

const struct vg_domain vg_domain_uring = {
	"uring", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};

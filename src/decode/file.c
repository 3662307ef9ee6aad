/* decode/file.c — file events (bpf/sensor/file.bpf.c): create_file, open, write, file_read,
 * file_write, rename, link, chmod, chown, unlink, rmdir, utimes, truncate, setxattr,
 * memfd_create and mprotect.
 *
 * Paths are absolute. A path the kernel resolved (an opened file) is used as is; a path
 * the caller named (struct vg_upath) is joined onto the kernel's path of its dirfd or cwd
 * and cleaned lexically ("." and ".." removed), and the caller's string is kept beside it
 * as *_arg, since it was read from the caller's memory.
 *
 * A path the kernel could not walk to the root (deeper than VG_PATH_DEPTH, or past the
 * record's room) keeps its leaf end behind VG_PATH_CUT (".../c199/c200/f") and sets
 * file.path_truncated: a rule on file.path never meets a fragment posing as a full path.
 * The record's flag does not say which path was cut: rename and link, with two relative
 * names in two directories, mark both. */
#include <stdio.h>
#include <string.h>
#include "decode/decode.h"
#include "file_event.h"

enum {
	F_PATH, F_PATH_ARG, F_NEWPATH, F_NEWPATH_ARG, F_FLAGS, F_FLAG_NAMES, F_MODE, F_SETUID, F_SETGID,
	F_UID, F_GID, F_SYMLINK, F_FD, F_BYTES, F_CALLS, F_SPAN, F_DEV, F_INO,
	F_SOCK_FD, F_SOCK_PROTO, F_SOCK_LADDR, F_SOCK_LPORT, F_SOCK_RADDR, F_SOCK_RPORT,
	F_MEMFD_NAME, F_MEMFD_FLAGS, F_MEMFD_FLAG_NAMES, F_MEMFD_FD,
	F_MP_ADDR, F_MP_LEN, F_MP_PROT, F_MP_PROT_NAMES, F_MP_VMA, F_MP_VMA_PROT, F_MP_FILE,
	F_UT_ATIME, F_UT_MTIME, F_PATH_TRUNC, F_CALL, F_SIZE,
	F_XATTR_NAME, F_XATTR_SIZE, F_XATTR_FLAGS, F_XATTR_CAPS, F_XATTR_CAP_EFFECTIVE,
	F_COUNT
};

static const struct vg_field fields[F_COUNT] = {
	[F_PATH] = { "file.path", VG_V_STR,
		     "absolute path of the file (rename: the old name; link: the existing file, or the "
		     "symlink's target text as stored)" },
	[F_PATH_ARG] = { "file.path_arg", VG_V_STR,
			 "the path string as the caller passed it, read from its memory at syscall exit "
			 "(also for successful opens, whose file.path is the kernel's: ../../etc/shadow); "
			 "absent when the call named no path (fchmod, ftruncate, io_uring)" },
	[F_NEWPATH] = { "file.newpath", VG_V_STR, "rename and link: absolute path of the new name" },
	[F_NEWPATH_ARG] = { "file.newpath_arg", VG_V_STR, "the new name as the caller passed it (its memory)" },
	[F_FLAGS] = { "file.flags", VG_V_INT,
		      "create_file/open: open flags as passed; rename: RENAME_* flags; link: AT_* flags; "
		      "chmod/chown: AT_* flags of the *at call" },
	[F_FLAG_NAMES] = { "file.flag_names", VG_V_STR, "open flags by name, e.g. O_WRONLY|O_CREAT|O_TRUNC" },
	[F_MODE] = { "file.mode", VG_V_INT,
		     "permission bits (07777): the new file's (create_file/open) or the requested one (chmod)" },
	[F_SETUID] = { "file.setuid", VG_V_BOOL, "file.mode has the set-user-ID bit (04000)" },
	[F_SETGID] = { "file.setgid", VG_V_BOOL, "file.mode has the set-group-ID bit (02000)" },
	[F_UID] = { "file.uid", VG_V_INT, "chown: the new owner, -1 when unchanged" },
	[F_GID] = { "file.gid", VG_V_INT, "chown: the new group, -1 when unchanged" },
	[F_SYMLINK] = { "file.symlink", VG_V_BOOL, "link: true for a symbolic link, false for a hard link" },
	[F_FD] = { "file.fd", VG_V_INT, "write: the file descriptor written to; file_read, file_write: the first call's" },
	[F_BYTES] = { "file.bytes", VG_V_INT, "write: bytes written; file_read, file_write: bytes read or written in the window" },
	[F_CALLS] = { "file.calls", VG_V_INT, "file_read, file_write: read or write calls in the window (about a second)" },
	[F_SPAN] = { "file.span_ns", VG_V_INT, "file_read, file_write: from the window's first call to its last" },
	[F_DEV] = { "file.dev", VG_V_INT,
		    "create_file, open (successful), write, file_read, file_write: the file's device, in the "
		    "kernel's encoding (major << 20 | minor)" },
	[F_INO] = { "file.ino", VG_V_INT,
		    "create_file, open (successful), write, file_read, file_write: the file's inode number" },
	[F_SOCK_FD] = { "file.sock.fd", VG_V_INT,
			"create_file by a network-facing process: which of fd 0 or 1 is an inet socket" },
	[F_SOCK_PROTO] = { "file.sock.proto", VG_V_STR, "that socket's protocol: tcp, udp, ..." },
	[F_SOCK_LADDR] = { "file.sock.laddr", VG_V_IP, "that socket's local address" },
	[F_SOCK_LPORT] = { "file.sock.lport", VG_V_INT, "that socket's local port" },
	[F_SOCK_RADDR] = { "file.sock.raddr", VG_V_IP, "that socket's remote address" },
	[F_SOCK_RPORT] = { "file.sock.rport", VG_V_INT, "that socket's remote port" },
	[F_MEMFD_NAME] = { "memfd.name", VG_V_STR, "the name given to memfd_create (from the kernel's file)" },
	[F_MEMFD_FLAGS] = { "memfd.flags", VG_V_INT, "MFD_* flags as a number" },
	[F_MEMFD_FLAG_NAMES] = { "memfd.flag_names", VG_V_STR, "MFD_* flags by name, e.g. MFD_CLOEXEC|MFD_EXEC" },
	[F_MEMFD_FD] = { "memfd.fd", VG_V_INT, "the new file descriptor" },
	[F_MP_ADDR] = { "mprotect.addr", VG_V_INT, "start of the region" },
	[F_MP_LEN] = { "mprotect.len", VG_V_INT, "length of the region" },
	[F_MP_PROT] = { "mprotect.prot", VG_V_INT, "PROT_* requested, as a number" },
	[F_MP_PROT_NAMES] = { "mprotect.prot_names", VG_V_STR, "PROT_* requested by name, e.g. PROT_READ|PROT_EXEC" },
	[F_MP_VMA] = { "mprotect.vma", VG_V_STR,
		       "what backs the region: file, anonymous, or unknown (the region was not looked up)" },
	[F_MP_VMA_PROT] = { "mprotect.vma_prot", VG_V_INT,
			    "PROT_* the region had before the call (PROT_WRITE here means a W->X change)" },
	[F_MP_FILE] = { "mprotect.file", VG_V_STR, "the file mapped at the region, when vma is file" },
	[F_UT_ATIME] = { "utimes.atime", VG_V_INT,
			 "access time set explicitly, seconds since the epoch (absent: left alone or now)" },
	[F_UT_MTIME] = { "utimes.mtime", VG_V_INT,
			 "modification time set explicitly, seconds since the epoch (absent: left alone or now)" },
	[F_PATH_TRUNC] = { "file.path_truncated", VG_V_BOOL,
			   "a path of the event lost its root-most components (deeper than the kernel walks): "
			   "it starts with \"...\" instead of \"/\"" },
	[F_CALL] = { "file.call", VG_V_STR,
		     "create_file, open: how the file was opened: open, openat, openat2, creat, "
		     "open_by_handle_at, or io_uring (IORING_OP_OPENAT/OPENAT2)" },
	[F_SIZE] = { "file.size", VG_V_INT, "truncate: the length the file was cut (or extended) to" },
	[F_XATTR_NAME] = { "xattr.name", VG_V_STR, "setxattr: the attribute's name (security.capability, ...)" },
	[F_XATTR_SIZE] = { "xattr.size", VG_V_INT, "setxattr: the value's size in bytes" },
	[F_XATTR_FLAGS] = { "xattr.flags", VG_V_INT, "setxattr: XATTR_CREATE (1), XATTR_REPLACE (2)" },
	[F_XATTR_CAPS] = { "xattr.caps", VG_V_STR,
			   "setxattr of security.capability: the permitted capabilities it grants, "
			   "CAP_SETUID|CAP_NET_RAW (\"\" for none)" },
	[F_XATTR_CAP_EFFECTIVE] = { "xattr.cap_effective", VG_V_BOOL,
				    "setxattr of security.capability: the effective bit (+e: raised at exec)" },
};

/* The kernel's values (asm-generic/fcntl.h, which x86 uses): libc hides some of them
 * (O_LARGEFILE is 0 in 64-bit glibc), and the numbers are what the kernel was given. */
static const struct vg_flag_name open_flags[] = {
	{ 0100, "O_CREAT" },           { 0200, "O_EXCL" },         { 0400, "O_NOCTTY" },
	{ 01000, "O_TRUNC" },          { 02000, "O_APPEND" },      { 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" },         { 020000, "FASYNC" },       { 040000, "O_DIRECT" },
	{ 0100000, "O_LARGEFILE" },    { 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" },     { 02000000, "O_CLOEXEC" },  { 04000000, "__O_SYNC" },
	{ 010000000, "O_PATH" },       { 020000000, "__O_TMPFILE" }, { 0, NULL },
};

/* <linux/memfd.h>; MFD_NOEXEC_SEAL and MFD_EXEC (6.3) are newer than some headers. */
static const struct vg_flag_name memfd_flags[] = {
	{ 0x1, "MFD_CLOEXEC" }, { 0x2, "MFD_ALLOW_SEALING" }, { 0x4, "MFD_HUGETLB" },
	{ 0x8, "MFD_NOEXEC_SEAL" }, { 0x10, "MFD_EXEC" }, { 0, NULL },
};

static const struct vg_flag_name prot_flags[] = {
	{ 0x1, "PROT_READ" }, { 0x2, "PROT_WRITE" }, { 0x4, "PROT_EXEC" }, { 0x8, "PROT_SEM" },
	{ 0x01000000, "PROT_GROWSDOWN" }, { 0x02000000, "PROT_GROWSUP" },
	{ 0, NULL },
};

/* "A|B|C" for the set bits; unnamed bits are shown in hex. prefix starts the list (the
 * access mode of open flags, which is a value, not a bit). */
static const char *const open_calls[] = {
#define OPEN_CALL_NAME(NAME, name) [VG_CALL_##NAME] = name,
	VG_OPEN_CALLS(OPEN_CALL_NAME)
#undef OPEN_CALL_NAME
};

static void add_open_flags(struct vg_event *ev, unsigned flags)
{
	static const char *const access[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	vg_event_add_int(ev, &fields[F_FLAGS], flags);
	vg_add_flag_names(ev, &fields[F_FLAG_NAMES], flags & ~3u, open_flags, access[flags & 3]);
}

static void add_mode(struct vg_event *ev, unsigned mode)
{
	vg_event_add_int(ev, &fields[F_MODE], mode & 07777);
	vg_event_add_bool(ev, &fields[F_SETUID], (mode & 04000) != 0);
	vg_event_add_bool(ev, &fields[F_SETGID], (mode & 02000) != 0);
}

#define NONE ((struct vg_str){ 0 })

/* The directory vg_upath_join walks for u, or NONE when the name is absolute. */
static struct vg_str walked(const struct vg_event *ev, const struct vg_upath *u)
{
	const char *name;
	size_t len;

	return vg_raw_bytes(ev, u->name, &name, &len) && name[0] == '/' ? NONE : u->dir;
}

/* a and b: the walked paths of the event (an empty vg_str for none). */
static void add_path_truncated(struct vg_event *ev, struct vg_str a, struct vg_str b)
{
	vg_event_add_bool(ev, &fields[F_PATH_TRUNC], vg_path_cut(ev, a, true) || vg_path_cut(ev, b, true));
}

static void add_inode(struct vg_event *ev, const struct vg_inode_key *k)
{
	vg_event_add_int(ev, &fields[F_DEV], (int64_t)k->dev);
	vg_event_add_int(ev, &fields[F_INO], (int64_t)k->ino);
}

static void add_sock(struct vg_event *ev, const struct vg_file_open *o)
{
	const char *proto = vg_ip_proto_name(o->proto);

	if (o->sock_fd == VG_FILE_NO_SOCK)
		return;
	vg_event_add_int(ev, &fields[F_SOCK_FD], o->sock_fd);
	vg_event_add_str(ev, &fields[F_SOCK_PROTO], proto, strlen(proto));
	vg_add_ip(ev, &fields[F_SOCK_LADDR], &o->local);
	vg_event_add_int(ev, &fields[F_SOCK_LPORT], o->local.port);
	vg_add_ip(ev, &fields[F_SOCK_RADDR], &o->remote);
	vg_event_add_int(ev, &fields[F_SOCK_RPORT], o->remote.port);
}

static int decode_open(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_file_open *o = body;

	if (o->arg.name.len > VG_PATH_MAX)
		return -1;
	if (ev->raw->ret >= 0) {
		vg_add_path(ev, &fields[F_PATH], o->path, true, NULL);
		vg_add_raw_str(ev, &fields[F_PATH_ARG], o->arg.name);
	} else if (vg_add_upath(ev, &fields[F_PATH], &fields[F_PATH + 1], &o->arg) < 0) {
		return -1;
	}
	add_path_truncated(ev, ev->raw->ret >= 0 ? o->path : walked(ev, &o->arg), NONE);
	add_open_flags(ev, o->flags);
	if (o->call < sizeof(open_calls) / sizeof(open_calls[0]))
		vg_event_add_str(ev, &fields[F_CALL], open_calls[o->call], strlen(open_calls[o->call]));
	if (ev->raw->ret < 0)
		return 0;
	add_inode(ev, &o->key);
	if (ev->type == VG_EV_CREATE)
		add_mode(ev, o->mode);
	else
		vg_event_add_int(ev, &fields[F_MODE], o->mode & 07777);
	add_sock(ev, o);
	return 0;
}

static int decode_write(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_file_write *w = body;

	vg_add_path(ev, &fields[F_PATH], w->path, true, NULL);
	add_path_truncated(ev, w->path, NONE);
	vg_event_add_int(ev, &fields[F_FD], w->fd);
	vg_event_add_int(ev, &fields[F_BYTES], (int64_t)w->bytes);
	add_inode(ev, &w->key);
	return 0;
}

/* The path is the watched one, as user space wrote it (not a kernel path). */
static int decode_io(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_file_io *io = body;

	vg_add_raw_str(ev, &fields[F_PATH], io->path);
	vg_event_add_int(ev, &fields[F_FD], io->fd);
	vg_event_add_int(ev, &fields[F_BYTES], (int64_t)io->bytes);
	vg_event_add_int(ev, &fields[F_CALLS], (int64_t)io->calls);
	vg_event_add_int(ev, &fields[F_SPAN], io->last_ts > ev->raw->ts ? (int64_t)(io->last_ts - ev->raw->ts) : 0);
	add_inode(ev, &io->key);
	return 0;
}

static int decode_pair(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_file_pair *p = body;

	if (p->symlink)
		vg_add_raw_str(ev, &fields[F_PATH], p->from.name);
	else if (vg_add_upath(ev, &fields[F_PATH], &fields[F_PATH + 1], &p->from) < 0)
		return -1;
	if (vg_add_upath(ev, &fields[F_NEWPATH], &fields[F_NEWPATH + 1], &p->to) < 0)
		return -1;
	add_path_truncated(ev, p->symlink ? NONE : walked(ev, &p->from), walked(ev, &p->to));
	vg_event_add_int(ev, &fields[F_FLAGS], p->flags);
	if (ev->type == VG_EV_LINK)
		vg_event_add_bool(ev, &fields[F_SYMLINK], p->symlink);
	return 0;
}

static int decode_attr(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_file_attr *a = body;

	if (vg_add_upath(ev, &fields[F_PATH], &fields[F_PATH + 1], &a->path) < 0)
		return -1;
	add_path_truncated(ev, walked(ev, &a->path), NONE);
	if (ev->type == VG_EV_CHMOD)
		add_mode(ev, a->mode);
	if (ev->type == VG_EV_CHOWN) {
		vg_event_add_int(ev, &fields[F_UID], (int32_t)a->uid);
		vg_event_add_int(ev, &fields[F_GID], (int32_t)a->gid);
	}
	if (ev->type == VG_EV_CHMOD || ev->type == VG_EV_CHOWN)
		vg_event_add_int(ev, &fields[F_FLAGS], a->flags);
	return 0;
}

static int decode_times(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_file_times *u = body;

	if (vg_add_upath(ev, &fields[F_PATH], &fields[F_PATH + 1], &u->path) < 0)
		return -1;
	add_path_truncated(ev, walked(ev, &u->path), NONE);
	vg_event_add_int(ev, &fields[F_FLAGS], u->flags);
	if (u->atime_set)
		vg_event_add_int(ev, &fields[F_UT_ATIME], u->atime);
	if (u->mtime_set)
		vg_event_add_int(ev, &fields[F_UT_MTIME], u->mtime);
	return 0;
}

static int decode_truncate(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_file_truncate *t = body;

	if (vg_add_upath(ev, &fields[F_PATH], &fields[F_PATH + 1], &t->path) < 0)
		return -1;
	add_path_truncated(ev, walked(ev, &t->path), NONE);
	vg_event_add_int(ev, &fields[F_SIZE], t->size);
	if (t->fd >= 0)
		vg_event_add_int(ev, &fields[F_FD], t->fd);
	return 0;
}

/* struct vfs_cap_data (linux/capability.h): magic_etc (revision and the effective flag),
 * then {permitted, inheritable} for capabilities 0-31 and 32-63, little-endian. */
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001
#define VFS_CAP_V2_SIZE 20

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void add_caps(struct vg_event *ev, const struct vg_file_xattr *a)
{
	uint64_t permitted;
	char buf[512];
	size_t n = 0;
	const char *kept;

	if (a->value_len < VFS_CAP_V2_SIZE)
		return;
	permitted = le32(a->value + 4) | (uint64_t)le32(a->value + 12) << 32;
	buf[0] = 0;
	for (int cap = 0; cap < 64 && n < sizeof(buf); cap++) {
		const char *name = vg_cap_name(cap);

		if (permitted >> cap & 1)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "|" : "", name ? name : "CAP_?");
	}
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if ((kept = vg_event_keep(ev, buf, n)))
		vg_event_add_str(ev, &fields[F_XATTR_CAPS], kept, n);
	vg_event_add_bool(ev, &fields[F_XATTR_CAP_EFFECTIVE], (le32(a->value) & VFS_CAP_FLAGS_EFFECTIVE) != 0);
}

static int decode_xattr(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char capability[] = "security.capability";
	const struct vg_file_xattr *a = body;
	const char *name;
	size_t len;

	if (a->value_len > VG_XATTR_VALUE || vg_add_upath(ev, &fields[F_PATH], &fields[F_PATH + 1], &a->path) < 0)
		return -1;
	add_path_truncated(ev, walked(ev, &a->path), NONE);
	vg_add_raw_str(ev, &fields[F_XATTR_NAME], a->name);
	vg_event_add_int(ev, &fields[F_XATTR_SIZE], a->size);
	vg_event_add_int(ev, &fields[F_XATTR_FLAGS], a->flags);
	if (vg_raw_bytes(ev, a->name, &name, &len) && len == sizeof(capability) - 1 &&
	    memcmp(name, capability, len) == 0)
		add_caps(ev, a);
	return 0;
}

static int decode_memfd(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char prefix[] = "memfd:";
	const struct vg_memfd *m = body;
	const char *name;
	size_t len;

	if (vg_raw_bytes(ev, m->name, &name, &len)) {
		if (len >= sizeof(prefix) - 1 && memcmp(name, prefix, sizeof(prefix) - 1) == 0) {
			name += sizeof(prefix) - 1;
			len -= sizeof(prefix) - 1;
		}
		vg_event_add_str(ev, &fields[F_MEMFD_NAME], name, len);
	}
	vg_event_add_int(ev, &fields[F_MEMFD_FLAGS], m->flags);
	vg_add_flag_names(ev, &fields[F_MEMFD_FLAG_NAMES], m->flags, memfd_flags, NULL);
	vg_event_add_int(ev, &fields[F_MEMFD_FD], m->fd);
	return 0;
}

static int decode_mprotect(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char *const kinds[] = { "unknown", "anonymous", "file" };
	const struct vg_mprotect *m = body;
	const char *kind = m->vma <= VG_VMA_FILE ? kinds[m->vma] : kinds[VG_VMA_UNKNOWN];

	vg_event_add_int(ev, &fields[F_MP_ADDR], (int64_t)m->addr);
	vg_event_add_int(ev, &fields[F_MP_LEN], (int64_t)m->len);
	vg_event_add_int(ev, &fields[F_MP_PROT], m->prot);
	vg_add_flag_names(ev, &fields[F_MP_PROT_NAMES], m->prot, prot_flags, NULL);
	vg_event_add_str(ev, &fields[F_MP_VMA], kind, strlen(kind));
	if (m->vma != VG_VMA_UNKNOWN)
		vg_event_add_int(ev, &fields[F_MP_VMA_PROT], m->vma_prot);
	if (m->vma == VG_VMA_FILE) {
		vg_add_path(ev, &fields[F_MP_FILE], m->file, true, NULL);
		add_path_truncated(ev, m->file, NONE);
	}
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_CREATE, sizeof(struct vg_file_open), decode_open },
	{ VG_EV_OPEN, sizeof(struct vg_file_open), decode_open },
	{ VG_EV_WRITE, sizeof(struct vg_file_write), decode_write },
	{ VG_EV_FILE_READ, sizeof(struct vg_file_io), decode_io },
	{ VG_EV_FILE_WRITE, sizeof(struct vg_file_io), decode_io },
	{ VG_EV_RENAME, sizeof(struct vg_file_pair), decode_pair },
	{ VG_EV_LINK, sizeof(struct vg_file_pair), decode_pair },
	{ VG_EV_CHMOD, sizeof(struct vg_file_attr), decode_attr },
	{ VG_EV_CHOWN, sizeof(struct vg_file_attr), decode_attr },
	{ VG_EV_UNLINK, sizeof(struct vg_file_attr), decode_attr },
	{ VG_EV_RMDIR, sizeof(struct vg_file_attr), decode_attr },
	{ VG_EV_UTIMES, sizeof(struct vg_file_times), decode_times },
	{ VG_EV_TRUNCATE, sizeof(struct vg_file_truncate), decode_truncate },
	{ VG_EV_SETXATTR, sizeof(struct vg_file_xattr), decode_xattr },
	{ VG_EV_MEMFD, sizeof(struct vg_memfd), decode_memfd },
	{ VG_EV_MPROTECT, sizeof(struct vg_mprotect), decode_mprotect },
};

const struct vg_domain vg_domain_file = {
	"file", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};

/* file_event.h — wire bodies of the file events (bpf/sensor/file.bpf.c -> src/decode/file.c):
 * create_file, open, write, file_read and file_write (watched files), rename, link, chmod,
 * chown, unlink, rmdir, memfd_create and mprotect, and the watch-list map key user space
 * fills. */
#ifndef VIGIL_FILE_EVENT_H
#define VIGIL_FILE_EVENT_H

#include "vigil_event.h"

/* X(NAME, "name"): the ways a file gets opened (file.call). io_uring opens (IORING_OP_OPENAT
 * and OPENAT2) never pass the open syscalls: bpf/sensor/uring.bpf.c reports them from their
 * completion. */
#define VG_OPEN_CALLS(X)                                                                 \
	X(OPEN, "open") X(OPENAT, "openat") X(OPENAT2, "openat2") X(CREAT, "creat")       \
	X(BY_HANDLE, "open_by_handle_at") X(IO_URING, "io_uring")

enum vg_open_call {
#define VG_OPEN_CALL_ENUM(NAME, name) VG_CALL_##NAME,
	VG_OPEN_CALLS(VG_OPEN_CALL_ENUM)
#undef VG_OPEN_CALL_ENUM
};

/* create_file and open. A successful open's path comes from the new file (kernel state);
 * a failed open has only what the caller passed (arg). A successful open keeps the caller's
 * string too (arg.name, no dir): how it was named (../../etc/shadow) is evidence. */
struct vg_file_open {
	struct vg_str path;
	struct vg_upath arg;
	__u32 flags;   /* open flags as the caller passed them */
	__u32 mode;    /* the opened file's i_mode (type and permission bits) */
	/* create_file only: the first of fds 0 and 1 that is an inet socket */
	struct vg_sockaddr local, remote;
	__u8 sock_fd;  /* 0 or 1; VG_FILE_NO_SOCK when neither is one */
	__u8 proto;
	__u8 call;     /* enum vg_open_call */
	__u8 pad;
	struct vg_inode_key key; /* the opened file (successful calls): what the store keys files by */
};

#define VG_FILE_NO_SOCK 0xff

/* write to a watched file (a key of vg_file_watch). */
struct vg_file_write {
	struct vg_str path;
	__u32 fd;
	__u32 pad;
	__u64 bytes;   /* bytes written (the syscall's result) */
	struct vg_inode_key key; /* the file, as in the watch map */
};

/* file_read and file_write: what one process read from or wrote to one watched file (a
 * key of vg_file_watch) in about a second. The kernel counts into the record kept in
 * vg_file_io, from the first call (hdr.ts) to the last; user space takes the records
 * out every second (loader/watch.c) and appends the path, the watched one. The key
 * starts with the generation (vg_control.io_generation, shared by every object on the
 * pins) so that the take misses no call (src/loader/mapread.h). */
struct vg_file_io {
	struct vg_str path;      /* the watched path (user space) */
	__u32 fd;                /* the first call's */
	__u32 pad;
	__u64 bytes;
	__u64 calls;
	__u64 last_ts;           /* boot ns of the last call */
	struct vg_inode_key key; /* the file */
};

struct vg_file_io_key {
	__u32 generation;
	__u32 tgid;
	__u32 type; /* VG_EV_FILE_READ or VG_EV_FILE_WRITE */
	__u32 pad;
	struct vg_inode_key file;
};

/* The record as the map keeps it: the path follows when user space makes it whole. */
struct vg_file_io_rec {
	struct vg_hdr hdr;
	struct vg_file_io io;
};

#define VG_FILE_IO_MAX 4096

/* rename and link: from -> to. A symlink's from is its target text, stored as given. */
struct vg_file_pair {
	struct vg_upath from, to;
	__u32 flags;   /* renameat2 / linkat flags */
	__u8 symlink;
	__u8 pad[3];
};

/* utimes: a file's timestamps set to explicit values (setting them to "now", as touch
 * does, is not reported). A time the call leaves alone or sets to now has set = 0. */
struct vg_file_times {
	struct vg_upath path;
	__s64 atime, mtime; /* seconds since the epoch, as the caller gave them */
	__u8 atime_set, mtime_set;
	__u8 pad[2];
	__u32 flags;        /* utimensat's AT_* flags */
};

/* chmod, chown, unlink and rmdir: one path and the attributes the call sets. */
struct vg_file_attr {
	struct vg_upath path;
	__u32 mode;    /* chmod */
	__u32 uid;     /* chown; (__u32)-1 leaves it unchanged */
	__u32 gid;
	__u32 flags;   /* *at flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_REMOVEDIR) */
};

/* truncate and ftruncate: a file cut to (or extended to) size. truncate names the file by
 * the caller's path; ftruncate's path is the fd's file (path.dir, no name). */
struct vg_file_truncate {
	struct vg_upath path;
	__s64 size;
	__s32 fd;      /* ftruncate: the descriptor; -1 for truncate */
	__u32 pad;
};

/* setxattr, lsetxattr, fsetxattr, setxattrat of a security.* attribute. The value's first
 * bytes are kept for security.capability (struct vfs_cap_data: magic, permitted, inheritable). */
#define VG_XATTR_VALUE 24
struct vg_file_xattr {
	struct vg_upath path;  /* the caller's path, or (fsetxattr) the fd's file */
	struct vg_str name;    /* the attribute's name */
	__u32 size;            /* the value's size */
	__u32 flags;           /* XATTR_CREATE 1, XATTR_REPLACE 2 */
	__u32 value_len;       /* bytes of value kept */
	__u32 pad;
	__u8 value[VG_XATTR_VALUE];
};

struct vg_memfd {
	struct vg_str name; /* the memfd's dentry name, "memfd:NAME" (kernel state) */
	__u32 flags;        /* MFD_* as passed */
	__u32 fd;
};

/* What the call knew about the region being made executable. */
enum vg_vma_kind { VG_VMA_UNKNOWN, VG_VMA_ANON, VG_VMA_FILE };

struct vg_mprotect {
	__u64 addr;
	__u64 len;
	__u32 prot;     /* PROT_* requested */
	__u32 vma_prot; /* PROT_* the region had before (VM_READ/WRITE/EXEC are the same bits) */
	struct vg_str file; /* backing file of the region, when vma == VG_VMA_FILE */
	__u8 vma;       /* enum vg_vma_kind */
	__u8 pad[3];
};

#define VG_FILE_WATCH_MAX 1024

/* The values of the watch map: why a file is watched. */
enum vg_watch_kind {
	VG_WATCH_SENSITIVE = 1, /* an intruder writes it to gain or keep access */
	VG_WATCH_AGENT,         /* the agent's own (binary, rules, store): writing it is tampering */
};

#endif

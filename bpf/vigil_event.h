/* vigil_event.h — the wire format between vigil's BPF programs and user space.
 *
 * Included by both sides. Every record in the ring buffer is a struct vg_hdr, then the
 * event's fixed body (struct vg_<name>), then variable-length bytes that the body points
 * at with struct vg_str (offset from the start of the record, length). Strings are not
 * NUL-terminated on the wire; user space never trusts a length past hdr.size.
 *
 * The catalogue (VG_EVENTS) is the one table both sides use: dense index for maps,
 * the Elkeid-compatible numeric id, the name users type, and the profile that turns
 * the event on by default.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* X(ENUM, id, "name", profile) — profile: 1 = default, 2 = sandbox only. New rows go at
 * the end: recordings (vigil run --record) keep the enum values. */
#define VG_EVENTS(X)                                          \
	X(EXEC, 59, "exec", 1)                                \
	X(FORK, 57, "fork", 2)                                \
	X(EXIT, 60, "exit", 2)                                \
	X(CONNECT, 42, "connect", 1)                          \
	X(BIND, 49, "bind", 1)                                \
	X(ACCEPT, 43, "accept", 2)                            \
	X(DNS, 601, "dns", 1)                                 \
	X(CREATE, 602, "create_file", 1)                      \
	X(RENAME, 82, "rename", 1)                            \
	X(LINK, 86, "link", 1)                                \
	X(CHMOD, 90, "chmod", 1)                              \
	X(CHOWN, 92, "chown", 1)                              \
	X(PTRACE, 101, "ptrace", 1)                           \
	X(SETSID, 112, "setsid", 1)                           \
	X(PRCTL, 157, "prctl", 1)                             \
	X(MOUNT, 165, "mount", 1)                             \
	X(UMOUNT, 166, "umount", 1)                           \
	X(MEMFD, 356, "memfd_create", 1)                      \
	X(MODULE, 603, "load_module", 1)                      \
	X(CRED, 604, "update_cred", 1)                        \
	X(UMH, 607, "usermode_helper", 1)                     \
	X(PRIVESC, 611, "privilege_escalation", 1)            \
	X(PORTSCAN, 612, "port_scan", 2)                      \
	X(MPROTECT, 10, "mprotect", 2)                        \
	X(OPEN, 2, "open", 2)                                 \
	X(WRITE, 1, "write", 2)                               \
	X(KILL, 62, "kill", 2)                                \
	X(UNLINK, 605, "unlink", 2)                           \
	X(RMDIR, 606, "rmdir", 2)                             \
	X(BPF, 700, "bpf", 1)                                 \
	X(CAPABILITY, 701, "capability", 2)                   \
	X(UNSHARE, 702, "unshare", 1)                         \
	X(SETNS, 703, "setns", 1)                             \
	X(PROCESS_VM, 704, "process_vm_writev", 1)            \
	X(IO_URING, 705, "io_uring_setup", 2)                 \
	X(CGROUP_MKDIR, 706, "cgroup_mkdir", 2)               \
	X(SYSCALL32, 707, "syscall32", 1)                     \
	X(UTIMES, 708, "utimes", 1)                           \
	X(SHELL_COMMAND, 709, "shell_command", 1)                 \
	X(EXIT_GROUP, 231, "exit_group", 2)                       \
	X(TKILL, 200, "tkill", 2)                                 \
	X(TGKILL, 201, "tgkill", 2)                               \
	X(NANOSLEEP, 35, "nanosleep", 2)                          \
	X(FILE_WRITE, 608, "file_write", 2)                       \
	X(FILE_READ, 609, "file_read", 2)                         \
	X(USB, 610, "usb_device_event", 1)                        \
	X(AGENT, 710, "agent", 1) /* raised by the agent itself (src/protect/): no hook */ \
	X(TRUNCATE, 720, "truncate", 1)                       \
	X(SOCKET, 721, "socket", 1)                           \
	X(IO_URING_OP, 722, "io_uring_op", 1)                 \
	X(SETXATTR, 723, "setxattr", 1)                       \
	X(INTEGRITY, 724, "integrity", 1)

enum vg_type {
#define VG_ENUM(e, id, name, prof) VG_EV_##e,
	VG_EVENTS(VG_ENUM)
#undef VG_ENUM
	VG_EV__COUNT
};

/* The process lifecycle, which the process table lives on: always built. A process ends
 * with exit_group when it called exit_group(2) (exit(3), a return from main), with exit
 * otherwise (a fatal signal, or its last thread's exit(2)). */
#define VG_ENDS_PROCESS(type) ((type) == VG_EV_EXIT || (type) == VG_EV_EXIT_GROUP)
#define VG_LIFECYCLE(type) ((type) == VG_EV_EXEC || (type) == VG_EV_FORK || VG_ENDS_PROCESS(type))
/* Raised in user space, by the agent about itself: no hook makes it. */
#define VG_EV_FROM_AGENT(type) ((type) == VG_EV_AGENT)

/* Why an event did not reach user space. Counted per event type and reason. */
#define VG_DROPS(X)                                                              \
	X(RING_FULL, "ring_full")   /* ring buffer had no room */                \
	X(OVERSIZE, "oversize")     /* record larger than VG_MAX_RECORD */       \
	X(NO_SCRATCH, "no_scratch") /* per-CPU scratch lookup failed */          \
	X(MAP_FULL, "map_full")     /* a record kept in a map had no room there */ \
	X(RATE_LIMIT, "rate_limit") /* per-exe or per-source limiter */          \
	X(BREAKER, "breaker")       /* circuit breaker open (e.g. DNS flood) */  \
	X(ALLOWLIST, "allowlist")   /* exe or cmdline on the in-kernel allowlist */ \
	X(FILTERED, "filtered")     /* no rule can match it (kernel filter)      */

enum vg_drop_reason {
#define VG_DROP_ENUM(e, name) VG_DROP_##e,
	VG_DROPS(VG_DROP_ENUM)
#undef VG_DROP_ENUM
	VG_DROP__COUNT
};

/* RING_FULL, OVERSIZE, NO_SCRATCH and MAP_FULL are losses and take a sequence number, so a
 * gap in seq proves them; the others are suppressions the user asked for (or, FILTERED,
 * events no rule can match) and take none. */
#define VG_DROP_IS_LOSS(r) ((r) <= VG_DROP_MAP_FULL)
/* The drop counter of (event type, reason) in the vg_drops map. */
#define VG_DROP_INDEX(type, reason) ((type) * VG_DROP__COUNT + (reason))

#define VG_MAX_RECORD   16384 /* one record, header included */
#define VG_SCRATCH_SIZE (2 * VG_MAX_RECORD)
#define VG_ARGV_MAX     4096
#define VG_ENV_MAX      4096 /* user space reads /proc/PID/environ past this */
#define VG_PATH_MAX     4096
#define VG_PATH_DEPTH   48
#define VG_CGROUP_DEPTH 12
#define VG_COMM_LEN     16
#define VG_CMDHASH_LEN  256 /* argv bytes hashed for the cmdline allowlist */
#define VG_TASK_ALLOWED 1u  /* vg_task_flags: an allowlisted process (bpf/lib/noise.h) */
#define VG_NODENAME_LEN 65

/* hdr.flags */
#define VG_F_ARGV_TRUNC   (1u << 0)
#define VG_F_ENV_TRUNC    (1u << 1)
#define VG_F_PATH_TRUNC   (1u << 2) /* some path in the record lost components */
#define VG_F_COMPAT32     (1u << 3) /* raised by a 32-bit (ia32) syscall */
#define VG_F_KILLED       (1u << 4) /* the kernel sent SIGKILL at the hook */
#define VG_F_AT_AGENT     (1u << 5) /* aimed at the running agent: targets it (a signal, ptrace or
				     * process_vm access, a change to its BPF objects, a write to
				     * its files) or impersonates it (a BPF load named vigil) */

struct vg_str {
	__u16 off; /* from the start of the record */
	__u16 len;
};

struct vg_hdr {
	__u64 ts;         /* CLOCK_BOOTTIME ns */
	__u64 seq;        /* per-CPU sequence: a gap is a proven loss */
	__u64 start_time; /* thread-group leader start, boot ns: with pid, names the process */
	__u64 cgroup_id;  /* cgroup v2 id */
	__u32 size;       /* whole record */
	__u16 type;       /* enum vg_type */
	__u16 flags;
	__u32 cpu;
	__u32 pid;  /* tgid */
	__u32 tid;
	__u32 ppid; /* real parent's tgid */
	__u32 uid, euid, gid, egid, auid;
	__u32 pidns, mntns, netns;
	__u32 vpid; /* pid inside its own pid namespace */
	__s32 ret;  /* syscall result where the event has one */
	char comm[VG_COMM_LEN];
};

/* X(NAME, AF_ value, "name in events"): the address families events name. */
#define VG_ADDRESS_FAMILIES(X)                                                           \
	X(UNIX, 1, "unix") X(INET, 2, "ipv4") X(INET6, 10, "ipv6") X(NETLINK, 16, "netlink") \
	X(PACKET, 17, "packet")

/* X(NAME, IPPROTO_ value, "name in events"): the protocols events name ("other" for the
 * rest). */
#define VG_IP_PROTOCOLS(X)                                                               \
	X(ICMP, 1, "icmp") X(TCP, 6, "tcp") X(UDP, 17, "udp") X(ICMPV6, 58, "icmpv6")     \
	X(SCTP, 132, "sctp") X(RAW, 255, "raw")

enum {
#define VG_AF_ENUM(NAME, value, name) VG_AF_##NAME = value,
	VG_ADDRESS_FAMILIES(VG_AF_ENUM)
#undef VG_AF_ENUM
#define VG_PROTO_ENUM(NAME, value, name) VG_IPPROTO_##NAME = value,
	VG_IP_PROTOCOLS(VG_PROTO_ENUM)
#undef VG_PROTO_ENUM
};

/* An endpoint: family VG_AF_inet/VG_AF_inet6 (0 = none), port in host order, address in
 * network order (IPv4 in the first 4 bytes). */
struct vg_sockaddr {
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

/* A file by device (the kernel's dev_t encoding, major << 20 | minor) and inode number:
 * the key of every map about files (allowlisted and killed executables, watched files). */
struct vg_inode_key {
	__u64 dev;
	__u64 ino;
};

/* What a file descriptor points at. */
enum vg_fd_kind { VG_FD_NONE, VG_FD_FILE, VG_FD_PIPE, VG_FD_SOCKET, VG_FD_TTY, VG_FD_OTHER };

struct vg_fdinfo {
	__u8 kind;  /* enum vg_fd_kind */
	__u8 proto; /* IPPROTO_* for sockets */
	__u16 sock_family; /* AF_UNIX etc. when not inet */
	__u32 ino;
	struct vg_sockaddr local, remote;
	struct vg_str path; /* file or tty path */
};

/* A path as the caller named it. name is the string read from the caller's memory at
 * syscall exit; when it is relative (or empty: AT_EMPTY_PATH, fchmod, fchown) dir is the
 * kernel's own path (leaf first, like every path) of the directory it is relative to:
 * the dirfd's file or the cwd. User space joins them. */
struct vg_upath {
	struct vg_str dir;
	struct vg_str name;
};

/* Paths travel as their components leaf first, each followed by '/', e.g. "sh/bin/";
 * user space reverses them. Walking up is what the kernel can do cheaply. A leading
 * '\0' marks a path that could not be resolved. */

/* Who last created a file or opened it for writing (the value of the vg_file_writer map,
 * bpf/lib/writer.h, keyed by the file's struct vg_inode_key), as the kernel knew them then.
 * pid 0: no record (the file was written before the agent ran, or the record was evicted). */
struct vg_writer {
	__u64 start_time; /* the writer's thread-group leader start: with pid, names the process */
	__u64 ts;         /* when it opened the file (boot ns) */
	__u32 pid;
	__u32 pad;
	char comm[VG_COMM_LEN];
};

struct vg_exec {
	struct vg_str exe;      /* resolved from mm->exe_file (or the filename, on failure) */
	struct vg_str argv;     /* NUL-separated */
	struct vg_str env;      /* NUL-separated, user space keeps only what it needs */
	struct vg_str cwd;
	struct vg_str tty;
	struct vg_str cgroup;   /* components leaf first, like paths */
	struct vg_str nodename;
	struct vg_fdinfo fd[2]; /* stdin, stdout */
	__u32 argc;
	__u32 exe_deleted;
	__u64 parent_start_time; /* real parent's leader start, to link parent_exec_id */
	__u32 old_pid;           /* pid before exec (differs when a thread execs) */
	__u32 pgid;
	__u32 sid;
	__u32 pad;
	struct vg_inode_key exe_key; /* the executable: what the store keys files by */
	/* When a handler (binfmt_script, binfmt_misc) replaced the file the kernel opened first
	 * by an interpreter: that file's name as the caller gave it (bprm->filename, a kernel
	 * copy) and what it is relative to (dir: the cwd, the same bytes as cwd; for execveat's
	 * "/dev/fd/N/NAME" the fd's path and NAME). Empty when the image is the file itself. */
	struct vg_upath script;
	struct vg_writer writer; /* who last wrote the executed file (exe_key) */
};

struct vg_fork {
	__u32 child_pid;
	__u32 child_tid;
	__u64 child_start_time;
	__u32 clone_flags_thread; /* 1 when a thread was created (not emitted by default) */
	__u32 pad;
};

struct vg_exit {
	__s32 code;   /* exit status (code << 8) or signal */
	__u32 signal; /* terminating signal, 0 if exited normally */
	__u8 core_dumped;
	__u8 pad[7];
};

/* nanosleep(2) and clock_nanosleep(2): what was asked for, read from the caller's memory at
 * exit. With TIMER_ABSTIME the time is a point on the clock, else a duration. */
struct vg_nanosleep {
	__s64 sec;
	__s64 nsec;
	__u32 clock; /* clockid_t; nanosleep(2) sleeps on CLOCK_MONOTONIC */
	__u32 flags; /* clock_nanosleep's: TIMER_ABSTIME (1) */
	__u8 call;   /* enum vg_sleep_call */
	__u8 pad[7];
};

enum vg_sleep_call { VG_SLEEP_NANOSLEEP, VG_SLEEP_CLOCK_NANOSLEEP };

/* FNV-1a 64, the cmdline allowlist's hash: the same on both sides. */
#define VG_FNV_OFFSET 0xcbf29ce484222325ull
#define VG_FNV_PRIME  0x100000001b3ull

#endif

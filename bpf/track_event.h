/* track_event.h — the trackers' counters (bpf/track.bpf.c), shared with user space
 * (src/tools/track.c), which serves both `vigil top` and `vigil run --trackers`.
 *
 * Counters are cumulative in the kernel's maps until user space takes them out (read and
 * delete): every read returns what was counted since the last one, so the maps hold only
 * what was active in between and their caps (LRU: the least recently active entry goes
 * first) are rarely reached.
 *
 * The counts are exact: every counter's key starts with the generation it was counted in
 * (lib/tool.h's vg_tool_generation), and a take (src/tools/track.c) ends a generation
 * before taking its entries (src/loader/mapread.h says why nothing is then missed). The
 * two generations share one map (and its cap) only between the turn and the take. */
#ifndef VIGIL_TRACK_EVENT_H
#define VIGIL_TRACK_EVENT_H

#include "vigil_event.h"

#define VG_TRACK_PROCS    8192  /* per process (tgid) */
#define VG_TRACK_CGROUPS  1024  /* per cgroup v2 id */
#define VG_TRACK_SYSCALLS 16384 /* per (cgroup, syscall number) */
#define VG_TRACK_PIPES    16384 /* pipe and FIFO inodes and the cgroup that made (or first used) each */
#define VG_TRACK_PIPE_PAIRS 4096 /* per (cgroup, the cgroup whose pipe it used) */

/* X(member, "help"): what is counted per process and per cgroup. The member is also the
 * JSON key and, with vigil_container_ before and _total after, the Prometheus name. */
#define VG_TRACK_COUNTERS(X)                                                                        \
	X(execs, "successful execs")                                                                \
	X(forks, "new processes (fork, vfork, clone without CLONE_THREAD)")                         \
	X(exits, "processes that ended (the last thread)")                                          \
	X(syscalls, "system calls made (64-bit and ia32)")                                          \
	X(file_read_bytes, "bytes read from regular files (read, pread64, readv, preadv, preadv2)") \
	X(file_write_bytes, "bytes written to regular files (write, pwrite64, writev, pwritev, pwritev2)") \
	X(tcp_connects, "TCP connects made or in progress")                                         \
	X(tcp_accepts, "TCP connections accepted")                                                  \
	X(tcp_sent_bytes, "bytes sent on TCP sockets (write, writev, sendto, sendmsg)")             \
	X(tcp_received_bytes, "bytes received on TCP sockets (read, readv, recvfrom, recvmsg)")     \
	X(unix_connects, "unix-socket connects")                                                    \
	X(sysv_msg_calls, "SysV message-queue calls that succeeded (msgget, msgsnd, msgrcv, msgctl)") \
	X(sysv_sem_calls, "SysV semaphore calls that succeeded (semget, semop, semtimedop, semctl)") \
	X(sysv_shm_calls, "SysV shared-memory calls that succeeded (shmget, shmat, shmdt, shmctl)")

struct vg_track_counts {
#define VG_TRACK_MEMBER(name, help) __u64 name;
	VG_TRACK_COUNTERS(VG_TRACK_MEMBER)
#undef VG_TRACK_MEMBER
};

/* Per CPU: each CPU's copy counts what ran there; the identity (comm, cgroup) is written
 * on the CPU that made the entry or saw the exec, stamped so user space takes the newest. */
struct vg_track_proc {
	struct vg_track_counts c;
	__u64 named_at;   /* boot ns when comm and cgroup_id were written here, 0: never */
	__u64 cgroup_id;
	__u64 start_time; /* leader start, boot ns: with the pid, names the process */
	__u32 uid;
	char comm[VG_COMM_LEN];
	__u32 pad;
};

/* The syscall number ia32 (32-bit) calls are counted under: their numbers are another
 * table's, and a 32-bit call from a 64-bit host is rare enough to be one bucket. */
#define VG_TRACK_NR_IA32 1023

/* The keys: each starts with the generation it was counted in (see above). */
struct vg_track_proc_key {
	__u32 generation;
	__u32 tgid;
};

struct vg_track_cgroup_key {
	__u32 generation;
	__u32 pad;
	__u64 cgroup_id;
};

struct vg_track_syscall_key {
	__u32 generation;
	__u32 nr; /* x86-64 syscall number, or VG_TRACK_NR_IA32 */
	__u64 cgroup_id;
};

/* A pipe (or FIFO) and the cgroup that made it: the one whose process called pipe(2), or
 * for a FIFO or a pipe older than the trackers, the first to read or write it. peer is the
 * last other cgroup seen using it, so that a pair is counted once per change. */
struct vg_track_pipe {
	__u64 owner;
	__u64 peer;
};

struct vg_track_pair_key {
	__u32 generation;
	__u32 pad;
	__u64 cgroup_id; /* the cgroup whose process read or wrote */
	__u64 owner;     /* the cgroup that made the pipe */
};

struct vg_track_pair {
	__u64 pipes; /* times a new cgroup started using the owner's pipe */
	__u64 bytes; /* bytes read from or written to it by cgroup_id's processes */
};

/* Read-only data, written by user space before load: what this run counts. */
struct vg_track_config {
	__u8 per_process; /* vg_track_procs (vigil top, the agent's top processes) */
	__u8 by_syscall;  /* vg_track_syscalls (the agent) */
	__u8 pipes;       /* vg_track_pipes and vg_track_pairs (the agent) */
	__u8 pad[5];
};

#endif

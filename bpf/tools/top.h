/* top.h — `vigil top`'s counters, per process (tgid) and per cgroup (v2 id), cumulative
 * since start; user space reads them every interval and shows the differences. */
#ifndef VIGIL_TOOL_TOP_H
#define VIGIL_TOOL_TOP_H

#include "vigil_event.h"

#define VG_TOP_PROCS 8192
#define VG_TOP_CGROUPS 1024

struct vg_top_counts {
	__u64 execs;
	__u64 syscalls;
	__u64 read_bytes;  /* from regular files */
	__u64 write_bytes; /* to regular files */
	__u64 connections; /* inet connects (done or in progress) and accepts */
};

/* Per CPU: each CPU's copy counts what ran there; the identity (comm, cgroup) is written
 * on the CPU that made the entry or saw the exec, stamped so user space takes the newest. */
struct vg_top_proc {
	struct vg_top_counts c;
	__u64 named_at;   /* boot ns when comm and cgroup_id were written here, 0: never */
	__u64 cgroup_id;
	__u64 start_time; /* leader start, boot ns: with the pid, names the process */
	__u32 uid;
	char comm[VG_COMM_LEN];
	__u32 pad;
};

#endif

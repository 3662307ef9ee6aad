/* syscount.h — syscount's counters: per syscall number, or per process with -P. */
#ifndef VIGIL_TOOL_SYSCOUNT_H
#define VIGIL_TOOL_SYSCOUNT_H

#include "vigil_event.h"

#define VG_SYSCOUNT_KEYS 10240

/* generation first (lib/tool.h) */
struct vg_syscount_key {
	__u32 generation;
	__u32 id; /* syscall number, or tgid with -P */
};

struct vg_syscount_val {
	__u64 count;
	__u64 total_ns; /* -L: time spent in the calls */
	char comm[VG_COMM_LEN]; /* -P: the process's name when first seen */
};

/* Set before load. */
struct vg_syscount_cfg {
	__u32 by_process; /* -P: key by tgid, not by syscall */
	__u32 latency;    /* -L: time each call (needs the entry hook too) */
	__u32 failures;   /* -x: only calls that failed */
	__s32 err;        /* -e: only calls that failed with this errno (0: any) */
};

#endif

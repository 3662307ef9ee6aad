/* oomkill.h — oomkill's record: the OOM killer chose a victim; the header is the task
 * whose allocation triggered it. */
#ifndef VIGIL_TOOL_OOMKILL_H
#define VIGIL_TOOL_OOMKILL_H

#include "vigil_event.h"

struct vg_oomkill {
	__u32 victim_pid;
	__u32 victim_uid;
	__u64 pages; /* the victim's address space (total_vm), in pages */
	__u64 rss;   /* its resident pages (anon + file + shmem) */
	char victim_comm[VG_COMM_LEN];
};

#endif

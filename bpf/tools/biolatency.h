/* biolatency.h — biolatency's histograms: log2 slots of block I/O latency, one per disk
 * with -D (else one, disk 0). */
#ifndef VIGIL_TOOL_BIOLATENCY_H
#define VIGIL_TOOL_BIOLATENCY_H

#include "vigil_event.h"

#define VG_HIST_SLOTS 27
#define VG_BIOLATENCY_DISKS 256

struct vg_hist {
	__u32 slots[VG_HIST_SLOTS]; /* slot i: values in [2^i, 2^(i+1)) (0 and 1 in slot 0) */
};

/* generation first (lib/tool.h) */
struct vg_biolatency_key {
	__u32 generation;
	__u32 disk; /* the disk's dev_t (major << 20 | minor), 0 without -D */
};

struct vg_biolatency_cfg {
	__u32 per_disk; /* -D */
	__u32 queued;   /* -Q: from insertion in the queue, not from issue to the device */
	__u32 ms;       /* -m: milliseconds, not microseconds */
	__u32 pad;
};

#endif

/* tool_event.h — what every `vigil trace` tool object and `vigil top` share with user
 * space (bpf/lib/tool.h on the kernel side, src/tools/tool.c on the other): the filter set
 * before load, and the reasons a tool loses records. Each tool's own record bodies are in
 * bpf/tools/<tool>.h; records start with struct vg_hdr (vigil_event.h), whose type is the
 * tool's own kind of record. */
#ifndef VIGIL_TOOL_EVENT_H
#define VIGIL_TOOL_EVENT_H

#include "vigil_event.h"

/* Read-only data of every tool object (vg_tool_filter), written by user space before load
 * so that the verifier drops the checks a run does not need. */
struct vg_tool_filter {
	__u32 self;   /* vigil's own tgid: its /proc reads and output writes are never traced */
	__u32 pid;    /* -p: only this tgid; 0 = every process */
	__u32 cgroup; /* -c: only tasks under the cgroup v2 directory in vg_tool_cgroup[0] */
	__u32 pad;
};

/* X(ENUM, "name"): why a tool lost a record, counted per CPU in vg_tool_lost and reported
 * when the tool ends. */
#define VG_TOOL_LOSSES(X)                                                             \
	X(RING_FULL, "ring_full")   /* the ring buffer had no room */                  \
	X(NO_SCRATCH, "no_scratch") /* the per-CPU record buffer was unavailable */    \
	X(MAP_FULL, "map_full")     /* a tracking or counting map reached its cap */

enum vg_tool_loss {
#define VG_TOOL_LOSS_ENUM(e, name) VG_TOOL_LOSS_##e,
	VG_TOOL_LOSSES(VG_TOOL_LOSS_ENUM)
#undef VG_TOOL_LOSS_ENUM
	VG_TOOL_LOSS__COUNT
};

#endif

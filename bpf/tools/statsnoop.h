/* statsnoop.h — statsnoop's record: one stat-family call, its result in the header. */
#ifndef VIGIL_TOOL_STATSNOOP_H
#define VIGIL_TOOL_STATSNOOP_H

#include "vigil_event.h"

/* X(ENUM, "syscall") */
#define VG_STAT_CALLS(X) X(STATFS, "statfs") X(NEWSTAT, "newstat") X(STATX, "statx") \
	X(NEWFSTATAT, "newfstatat") X(NEWLSTAT, "newlstat")

enum vg_stat_call {
#define VG_STAT_ENUM(e, name) VG_STAT_##e,
	VG_STAT_CALLS(VG_STAT_ENUM)
#undef VG_STAT_ENUM
};

struct vg_statsnoop {
	struct vg_upath path; /* as the caller named it */
	__u32 call;           /* enum vg_stat_call */
	__u32 pad;
};

#endif

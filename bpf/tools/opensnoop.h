/* opensnoop.h — opensnoop's record: one open/openat/openat2, its result in the header
 * (an fd or -errno). */
#ifndef VIGIL_TOOL_OPENSNOOP_H
#define VIGIL_TOOL_OPENSNOOP_H

#include "vigil_event.h"

struct vg_opensnoop {
	struct vg_upath path; /* as the caller named it, with its directory (-F joins them) */
	__u32 flags;          /* open flags */
	__u32 mode;           /* creation mode */
};

#endif

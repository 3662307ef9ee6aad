/* capable.h — capable's record: one capability check, its verdict in the header (ret:
 * 0 granted, -EPERM denied). */
#ifndef VIGIL_TOOL_CAPABLE_H
#define VIGIL_TOOL_CAPABLE_H

#include "vigil_event.h"

struct vg_capable {
	__s32 cap;
	__u32 ns_level; /* user namespace depth the capability was checked in (0: the host's) */
};

#endif

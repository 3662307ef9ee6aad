/* killsnoop.h — killsnoop's record: one kill/tkill/tgkill, its result in the header. */
#ifndef VIGIL_TOOL_KILLSNOOP_H
#define VIGIL_TOOL_KILLSNOOP_H

#include "vigil_event.h"

struct vg_killsnoop {
	__s32 tpid; /* the target: a pid (kill, tgkill's thread group) or tid (tkill) */
	__s32 tid;  /* tgkill's thread, else 0 */
	__u32 sig;
	__u32 call; /* 0 kill, 1 tkill, 2 tgkill */
};

#endif

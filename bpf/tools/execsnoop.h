/* execsnoop.h — execsnoop's record: one exec, successful (ret 0) or failed (ret < 0);
 * pid, ppid, uid, comm and the result are in the header. */
#ifndef VIGIL_TOOL_EXECSNOOP_H
#define VIGIL_TOOL_EXECSNOOP_H

#include "vigil_event.h"

struct vg_execsnoop {
	struct vg_str argv; /* NUL-separated; VG_F_ARGV_TRUNC in the header when cut */
};

#endif

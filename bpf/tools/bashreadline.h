/* bashreadline.h — bashreadline's record: one line read by an interactive bash. */
#ifndef VIGIL_TOOL_BASHREADLINE_H
#define VIGIL_TOOL_BASHREADLINE_H

#include "vigil_event.h"

struct vg_bashreadline {
	struct vg_str line; /* VG_F_ARGV_TRUNC in the header when cut at 4 KiB */
};

#endif

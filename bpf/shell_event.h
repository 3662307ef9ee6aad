/* shell_event.h — wire body of shell_command (bpf/sensor/shell.bpf.c -> src/decode/shell.c):
 * a line typed into an interactive shell. */
#ifndef VIGIL_SHELL_EVENT_H
#define VIGIL_SHELL_EVENT_H

#include "vigil_event.h"

#define VG_SHELL_LINE_MAX 4096 /* longer lines are cut (VG_F_ARGV_TRUNC) */

struct vg_shell_command {
	struct vg_str line;  /* what readline returned: the command as typed */
	struct vg_str shell; /* the shell's executable (from mm->exe_file) */
};

#endif

/* threadsnoop.h — threadsnoop's record: one pthread_create, with where the new thread
 * starts as a file and offset (resolved in the kernel, so user space can name the
 * function after the process is gone). */
#ifndef VIGIL_TOOL_THREADSNOOP_H
#define VIGIL_TOOL_THREADSNOOP_H

#include "vigil_event.h"

struct vg_threadsnoop {
	__u64 func;        /* start_routine's address */
	__u64 file_offset; /* its offset in the file mapped there */
	struct vg_str file; /* that file's path; empty for anonymous memory */
};

#endif

/* setuids.h — setuids's record: one setuid, setresuid or setfsuid, with the caller's uid
 * before the call; the result is in the header. */
#ifndef VIGIL_TOOL_SETUIDS_H
#define VIGIL_TOOL_SETUIDS_H

#include "vigil_event.h"

enum vg_setuid_call { VG_SETUID, VG_SETRESUID, VG_SETFSUID };

struct vg_setuids {
	__u32 call;    /* enum vg_setuid_call */
	__u32 uid;     /* the caller's real uid before the call */
	__u32 args[3]; /* uid; ruid euid suid; fsuid */
	__u32 pad;
};

#endif

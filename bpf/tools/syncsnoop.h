/* syncsnoop.h — syncsnoop's record: one call of the sync family. */
#ifndef VIGIL_TOOL_SYNCSNOOP_H
#define VIGIL_TOOL_SYNCSNOOP_H

#include "vigil_event.h"

/* X(ENUM, "syscall") */
#define VG_SYNC_CALLS(X) X(SYNC, "sync") X(SYNCFS, "syncfs") X(FSYNC, "fsync") \
	X(FDATASYNC, "fdatasync") X(MSYNC, "msync") X(SYNC_FILE_RANGE, "sync_file_range")

enum vg_sync_call {
#define VG_SYNC_ENUM(e, name) VG_SYNC_##e,
	VG_SYNC_CALLS(VG_SYNC_ENUM)
#undef VG_SYNC_ENUM
};

#endif

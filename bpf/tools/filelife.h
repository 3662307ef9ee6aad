/* filelife.h — filelife's records: a file created, deleted or renamed (the record's type);
 * user space pairs a deletion with the file's creation by path. */
#ifndef VIGIL_TOOL_FILELIFE_H
#define VIGIL_TOOL_FILELIFE_H

#include "vigil_event.h"

enum vg_filelife_kind { VG_FILELIFE_CREATE, VG_FILELIFE_DELETE, VG_FILELIFE_RENAME };

struct vg_filelife {
	struct vg_str created; /* CREATE: the new file's path, from the kernel */
	struct vg_upath path;  /* DELETE: the deleted path; RENAME: the old path */
	struct vg_upath to;    /* RENAME: the new path */
};

#endif

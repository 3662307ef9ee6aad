/* enforce_event.h — what the BPF-LSM deny programs (bpf/enforce.bpf.c) and src/enforce
 * share: the kinds of denial, the map values user space fills from the deny table, and
 * the record of a denial. */
#ifndef VIGIL_ENFORCE_EVENT_H
#define VIGIL_ENFORCE_EVENT_H

#include "vigil_event.h"

/* What a deny rule refuses: running an image, or opening a file. */
enum vg_deny_kind { VG_DENY_EXEC, VG_DENY_OPEN };

/* Value of vg_deny_files (an inode a rule pins) and vg_deny_dirs (a directory whose whole
 * subtree a rule pins): bit 1 << kind for each kind denied there. */
typedef __u8 vg_deny_kinds;

/* A denial: the header of the task that tried (type VG_EV_EXEC or VG_EV_OPEN; ret -EPERM,
 * or 0 when the mode is audit), then this body, then the file's path (leaf first). */
struct vg_deny_record {
	struct vg_inode_key matched; /* the pinned inode: the file, or a directory above it */
	__u32 kind;                  /* enum vg_deny_kind */
	__u32 pad;
	struct vg_str path;
	__u32 pad2;
};

#endif

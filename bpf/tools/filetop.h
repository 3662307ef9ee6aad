/* filetop.h — filetop's counters: reads and writes per (process, thread, file). */
#ifndef VIGIL_TOOL_FILETOP_H
#define VIGIL_TOOL_FILETOP_H

#include "vigil_event.h"

#define VG_FILETOP_KEYS 10240
#define VG_FILETOP_NAME 64

/* generation first (lib/tool.h), no implicit padding */
struct vg_filetop_key {
	__u32 generation;
	__u32 pid;
	__u32 tid;
	__u32 pad;
	__u64 dev, ino;
};

struct vg_filetop_val {
	__u64 reads, writes;
	__u64 read_bytes, write_bytes;
	__u64 cgroup_id;
	__u32 uid;
	char type; /* 'R' regular, 'S' socket, 'O' other */
	char comm[VG_COMM_LEN];
	char name[VG_FILETOP_NAME]; /* the file's name (its dentry), as libbpf-tools shows it */
	char pad[3];
};

#endif

/* lib/writer.h — who last wrote a file, by inode: the create_file/open programs note the
 * process that created a file or opened it for writing (bpf/sensor/file.bpf.c), and exec
 * reads the note for the file it runs (bpf/sensor/proc.bpf.c), so a rule can tell a
 * program a compiler built from one curl downloaded, however long ago and whichever
 * process tree runs it. Keyed by (dev, ino): a rename into place keeps the inode, so the
 * note follows the file to its final name. Bounded LRU: a file written long ago by a busy
 * host's many writers may have lost its note (the field is then absent, never wrong).
 * Sensor only (the map is the sensor object's). */
#ifndef VIGIL_LIB_WRITER_H
#define VIGIL_LIB_WRITER_H

#include "lib/maps.h"
#include "lib/extract.h"

#define VG_WRITER_FILES 16384
#define VG_O_ACCMODE    3

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VG_WRITER_FILES);
	__type(key, struct vg_inode_key);
	__type(value, struct vg_writer);
} vg_file_writer SEC(".maps");

/* After an open of f with flags by the current task: a created file, or a regular file
 * opened for writing, gets the current process as its writer. */
static __always_inline void vg_writer_note(struct file *any, __u32 flags, bool created)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *f = VG_CAST(file, any);
	struct vg_inode_key key;
	struct vg_writer w = {};

	if (!created && ((flags & VG_O_ACCMODE) == 0 || (f->f_inode->i_mode & VG_S_IFMT) != VG_S_IFREG))
		return;
	if (vg_is_self_or_standby())
		return;
	key = vg_file_inode_key(f);
	w.pid = task->tgid;
	w.start_time = task->group_leader->start_boottime;
	w.ts = bpf_ktime_get_boot_ns();
	__builtin_memcpy(w.comm, task->group_leader->comm, sizeof(w.comm));
	bpf_map_update_elem(&vg_file_writer, &key, &w, BPF_ANY);
}

/* The note of the file at key into w (left zeroed when there is none). */
static __always_inline void vg_writer_of(const struct vg_inode_key *key, struct vg_writer *w)
{
	struct vg_writer *found = bpf_map_lookup_elem(&vg_file_writer, key);

	if (found)
		*w = *found;
}

#endif

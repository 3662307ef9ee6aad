/* watch.h — the watch list of the write event: paths whose files' writes are reported. */
#ifndef VIGIL_WATCH_H
#define VIGIL_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include "file_event.h"
#include "loader/loader.h"

#define VG_WATCH_EXTRA 32 /* paths beyond the built-in list */
#define VG_WATCH_PATHS 64 /* the built-in list (20) and the extra ones */

struct vg_watch {
	int map_fd;
	unsigned n;
	const char *paths[VG_WATCH_PATHS]; /* not copied: the defaults and argv outlive the watch */
	struct vg_inode_key keys[VG_WATCH_PATHS]; /* what each path named at the last refresh */
	uint64_t next_ns;
};

/* The built-in list of sensitive files plus extra (e.g. --watch), resolved into the map. */
int vg_watch_init(struct vg_watch *w, const struct vg_loader *l, const char *const *extra, unsigned nextra);
/* Re-resolves the paths, at most once a second (now_ns: CLOCK_BOOTTIME; 0 forces it). A
 * zeroed watch (the write event not selected) has nothing to do. */
int vg_watch_refresh(struct vg_watch *w, uint64_t now_ns);

#endif

/* watch.h — the watch list of the write event: paths whose files' writes are reported. */
#ifndef VIGIL_WATCH_H
#define VIGIL_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include "file_event.h"
#include "loader/loader.h"

#define VG_WATCH_EXTRA 32  /* paths beyond the built-in list */
#define VG_WATCH_PATHS 128 /* the built-in list (20), the extra ones and the agent's own files */

struct vg_watch {
	int map_fd;
	unsigned n;
	const char *paths[VG_WATCH_PATHS]; /* not copied: the caller's outlive the watch */
	__u8 kinds[VG_WATCH_PATHS];        /* enum vg_watch_kind */
	struct vg_inode_key keys[VG_WATCH_PATHS]; /* what each path named at the last refresh */
	uint64_t next_ns;
};

/* The built-in list of sensitive files plus extra (e.g. --watch), and the agent's own files
 * (its binary, rules, store: VG_WATCH_AGENT, which the open and write events flag), resolved
 * into the map, which holds nothing else. */
int vg_watch_init(struct vg_watch *w, const struct vg_loader *l, const char *const *extra, unsigned nextra,
		  const char *const *own, unsigned nown);
/* Re-resolves the paths, at most once a second (now_ns: CLOCK_BOOTTIME; 0 forces it), and
 * restores entries somebody else removed or changed in the map, handing each to found
 * (when not NULL). A zeroed watch (neither open nor write selected) has nothing to do. */
int vg_watch_refresh(struct vg_watch *w, uint64_t now_ns, vg_tamper_fn found, void *ctx);

#endif

/* watch.h — the watch list of the write, file_read and file_write events: paths whose
 * files' reads and writes are reported; and the file_read and file_write records the
 * kernel counts, taken out every second. */
#ifndef VIGIL_WATCH_H
#define VIGIL_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include "file_event.h"
#include "loader/loader.h"
#include "loader/mapread.h"
#include "reader/reader.h"

struct bpf_map;

#define VG_WATCH_EXTRA 32  /* paths beyond the built-in list */
#define VG_WATCH_PATHS 128 /* the built-in list (20), the extra ones and the agent's own files */

struct vg_watch {
	int map_fd;
	struct bpf_map *io;  /* vg_file_io */
	struct vg_generation io_generation; /* vg_control.io_generation */
	struct vg_file_io_key *io_keys;
	struct vg_file_io_rec *io_recs;
	uint64_t next_collect_ns;
	unsigned n;
	const char *paths[VG_WATCH_PATHS]; /* not copied: the caller's outlive the watch */
	__u8 kinds[VG_WATCH_PATHS];        /* enum vg_watch_kind */
	struct vg_inode_key keys[VG_WATCH_PATHS]; /* what each path named at the last refresh */
	uint64_t next_ns;
};

/* Whether a run that loaded these events needs the watch list. */
bool vg_watch_needed(const bool loaded[VG_EV__COUNT]);
/* The built-in list of sensitive files plus extra (e.g. --watch), and the agent's own files
 * (its binary, rules, store: VG_WATCH_AGENT, which the open and write events flag), resolved
 * into the map, which holds nothing else. */
int vg_watch_init(struct vg_watch *w, const struct vg_loader *l, const char *const *extra, unsigned nextra,
		  const char *const *own, unsigned nown);
/* Re-resolves the paths, at most once a second (now_ns: CLOCK_BOOTTIME; 0 forces it), and
 * restores entries somebody else removed or changed in the map, handing each to found
 * (when not NULL). A zeroed watch (neither open nor write selected) has nothing to do. */
int vg_watch_refresh(struct vg_watch *w, uint64_t now_ns, vg_tamper_fn found, void *ctx);
/* The file_read and file_write records counted so far, made whole (the watched path
 * appended) and handed to fn, at most once a second (now_ns 0: now, as at exit). They
 * are the kernel's records (numbered by it), only delivered through a map. */
void vg_watch_collect(struct vg_watch *w, uint64_t now_ns, vg_record_fn fn, void *ctx);
void vg_watch_free(struct vg_watch *w);

#endif

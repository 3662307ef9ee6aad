/* stats.h — the "kind":"stats" line and the stderr loss warning. */
#ifndef VIGIL_STATS_H
#define VIGIL_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include "output/buf.h"
#include "reader/reader.h"

struct vg_sinks;

/* The agent's own gaps (src/protect/): the restart that took over pinned sensors, and the
 * times it was stopped. */
struct vg_gap {
	bool happened;
	uint64_t at_wall_ns;   /* when it ended */
	double seconds;        /* how long */
	uint64_t lost;         /* records the kernel could not deliver meanwhile */
	uint32_t previous_pid; /* restart: the agent before */
};

struct vg_stops {
	unsigned count;
	double seconds;        /* stopped, in all */
	uint64_t lost;         /* lost while stopped, in all */
};

struct vg_stats_extra {
	const struct vg_sinks *sinks; /* their delivery counters, when not NULL */
	uint64_t wall_ns;
	double uptime_s;
	unsigned proc_entries;
	uint64_t proc_evictions;
	uint64_t alerts, alerts_suppressed;
	uint64_t regex_limits; /* matches a regex limit decided (rule info regex_limits, summed) */
	size_t ring_size;
	uint64_t rss_kb;       /* resident memory (VmRSS of /proc/self/status) */
	const struct vg_gap *restart; /* NULL or not happened: no member */
	const struct vg_stops *stops; /* NULL or none: no member */
	bool final;
	const char *more; /* more members, ",\"name\":value..." (or NULL), e.g. the deny counters */
};

void vg_json_stats(struct vg_buf *b, const struct vg_counters *c, const struct vg_stats_extra *x);
/* "lost N events since the last report (exec: ring_full=3, ...)" into b; false when none. */
bool vg_loss_warning(struct vg_buf *b, const struct vg_counters *now, const struct vg_counters *before);

#endif

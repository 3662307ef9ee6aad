/* stats.h — the "kind":"stats" and "kind":"metrics" lines, and the stderr loss warning. */
#ifndef VIGIL_STATS_H
#define VIGIL_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include "output/buf.h"
#include "reader/reader.h"

struct vg_sinks;
struct vg_enforce_stats;
struct vg_uevent;
struct vg_integrity_stats;

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
	const struct vg_enforce_stats *deny; /* deny rules' mechanism and counters, or NULL */
	const struct vg_uevent *uevent;      /* the uevent source's counters, or NULL */
	const struct vg_integrity_stats *integrity; /* the host integrity checks', or NULL */
};

void vg_json_stats(struct vg_buf *b, const struct vg_counters *c, const struct vg_stats_extra *x);
struct vg_metrics;
/* The metrics line (metrics_json.c), without a newline. */
void vg_json_metrics(struct vg_buf *b, const struct vg_metrics *m);
/* "lost N events since the last report (exec: ring_full=3, ...)" into b; false when none. */
bool vg_loss_warning(struct vg_buf *b, const struct vg_counters *now, const struct vg_counters *before);

#endif

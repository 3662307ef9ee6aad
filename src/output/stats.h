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

struct vg_stats_extra {
	const struct vg_sinks *sinks; /* their delivery counters, when not NULL */
	uint64_t wall_ns;
	double uptime_s;
	unsigned proc_entries;
	uint64_t proc_evictions;
	uint64_t alerts, alerts_suppressed;
	uint64_t regex_limits; /* matches a regex limit decided (rule info regex_limits, summed) */
	size_t ring_size;
	bool final;
	const struct vg_enforce_stats *deny; /* deny rules' mechanism and counters, or NULL */
	const struct vg_uevent *uevent;      /* the uevent source's counters, or NULL */
};

void vg_json_stats(struct vg_buf *b, const struct vg_counters *c, const struct vg_stats_extra *x);
struct vg_metrics;
/* The metrics line (metrics_json.c), without a newline. */
void vg_json_metrics(struct vg_buf *b, const struct vg_metrics *m);
/* "lost N events since the last report (exec: ring_full=3, ...)" into b; false when none. */
bool vg_loss_warning(struct vg_buf *b, const struct vg_counters *now, const struct vg_counters *before);

#endif

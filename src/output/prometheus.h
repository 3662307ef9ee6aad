/* prometheus.h — the agent's metrics (src/metrics/metrics.h) in Prometheus's text
 * exposition format 0.0.4: one vigil_ prefix, base units (seconds, bytes), _total on
 * counters, _info for metadata, HELP and TYPE lines, and labels only with bounded values:
 * event type, drop reason, rule and priority, program, sink, container (bounded by the
 * trackers' cap) and syscall. No pid or path is ever a label. docs/metrics.md lists every
 * family. */
#ifndef VIGIL_PROMETHEUS_H
#define VIGIL_PROMETHEUS_H

#include <stddef.h>
#include <stdint.h>
#include "output/buf.h"

struct vg_metrics;

/* Alerts by rule and priority, as the prometheus sink counts the ones it is handed. */
struct vg_prom_alert {
	char *rule;
	int priority; /* enum vg_priority */
	uint64_t count;
};

/* The whole exposition of snapshot m (NULL before the first: build info only) and the
 * alerts counted so far. */
void vg_prom_render(struct vg_buf *b, const struct vg_metrics *m, const struct vg_prom_alert *alerts,
		    size_t nalerts);
/* A label value escaped as the format wants (backslash, double quote, newline). */
void vg_prom_label_value(struct vg_buf *b, const char *s);

#endif

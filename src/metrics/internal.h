/* internal.h — the metrics module's parts (metrics.h is its interface). */
#ifndef VIGIL_METRICS_INTERNAL_H
#define VIGIL_METRICS_INTERNAL_H

#include "metrics/metrics.h"

struct bpf_object;

/* The trackers in the agent (containers.c). */
struct vg_containers;

/* Loads and attaches the trackers; NULL when they cannot (said on stderr). */
struct vg_containers *vg_containers_open(const struct vg_features *f);
/* Takes what the trackers counted since the last call into the per-container totals and
 * the interval's top processes. */
void vg_containers_collect(struct vg_containers *cs);
const struct vg_container_metrics *vg_containers_list(const struct vg_containers *cs, size_t *n, uint64_t *dropped);
const struct vg_top_process *vg_containers_top(const struct vg_containers *cs, size_t *n);
struct bpf_object *vg_containers_object(const struct vg_containers *cs);
/* Detaches the programs (the maps stay readable). */
void vg_containers_detach(struct vg_containers *cs);
void vg_containers_close(struct vg_containers *cs);

#endif

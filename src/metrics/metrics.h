/* metrics.h — the agent's metrics: one snapshot every --metrics-interval, handed to every
 * sink's metrics callback (the json sink writes it as a "kind":"metrics" line, the
 * prometheus sink serves it at /metrics).
 *
 * The snapshot is gathered here from the modules that own each number, never kept twice:
 * the reader's counters (events, drops, suppressions) and the stats the agent already
 * builds (process table, ring size, alerts, sinks) are pointed at; the BPF programs'
 * kernel time (bpf_stats), the ring buffer's fill, the agent's own CPU and memory and the
 * trackers' per-container counters are read when the snapshot is made.
 *
 * Containers are the trackers' cgroups grouped by the container each belongs to (the
 * host is every cgroup outside one), with cumulative totals since the agent started:
 * Prometheus counters. At most VG_METRICS_CONTAINERS are kept; past that the one idle
 * the longest is dropped (counted). Processes appear only as the top VG_METRICS_TOP of
 * an interval, in the JSON line: a pid is never a Prometheus label. */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "track_event.h"

struct vg_counters;
struct vg_stats_extra;
struct vg_sinks;
struct vg_loader;
struct vg_features;
struct bpf_program;

#define VG_METRICS_CONTAINERS 256
#define VG_METRICS_TOP 10
#define VG_METRICS_PROGS 192
#define VG_METRICS_NR (VG_TRACK_NR_IA32 + 1) /* syscall counters per container */

/* A BPF program's kernel time, from bpf_stats (zero while kernel.bpf_stats_enabled is 0). */
struct vg_prog_stat {
	char name[64];
	uint64_t run_ns;
	uint64_t runs;
};

struct vg_container_metrics {
	char id[65];            /* "" for the host */
	char name[128];         /* "host" for the host */
	const char *runtime;    /* NULL for the host and unknown runtimes */
	struct vg_track_counts c;
	uint64_t cross_pipes;      /* pipes shared with processes of another container */
	uint64_t cross_pipe_bytes; /* bytes its processes moved through pipes another container made */
	uint64_t *syscalls;     /* [VG_METRICS_NR] by syscall number (VG_TRACK_NR_IA32: every ia32 call) */
	uint64_t active_at;     /* the snapshot that last saw it count something */
};

/* A process of the interval's top (by syscalls), with what it did in the interval. */
struct vg_top_process {
	uint32_t pid;
	char comm[VG_COMM_LEN];
	char container_id[65];
	char container_name[128];
	struct vg_track_counts c;
};

struct vg_self_stats {
	double cpu_seconds;      /* user + system */
	uint64_t rss_bytes;
	uint64_t virtual_bytes;
	double start_time_s;     /* since the epoch */
	unsigned open_fds;
};

struct vg_metrics {
	uint64_t wall_ns;
	double interval_s;                 /* since the previous snapshot */
	const struct vg_counters *counters;
	const struct vg_stats_extra *stats;
	double ring_fill;                  /* 0..1, or -1 when unknown */
	struct vg_self_stats self;
	bool bpf_stats;                    /* program times are counted (the sysctl, --bpf-stats, or someone's) */
	const struct vg_prog_stat *progs;
	size_t nprogs;
	bool trackers;                     /* the containers below are counted */
	const struct vg_container_metrics *containers;
	size_t ncontainers;
	uint64_t containers_dropped;       /* containers forgotten to respect the cap */
	const struct vg_top_process *top;
	size_t ntop;
};

/* The agent's side: what it keeps between snapshots. */
struct vg_collector;

struct vg_collector_opts {
	bool trackers;  /* load the trackers (bpf/track.bpf.c) */
	bool bpf_stats; /* turn kernel.bpf_stats_enabled on while the agent runs */
};

/* NULL when the trackers or bpf_stats cannot be had (said on stderr). */
struct vg_collector *vg_collector_new(const struct vg_collector_opts *o, const struct vg_features *f);
/* Reads everything, makes the snapshot and hands it to the sinks. */
void vg_collector_emit(struct vg_collector *c, const struct vg_loader *l, const struct vg_counters *counters,
		       const struct vg_stats_extra *stats, double ring_fill, struct vg_sinks *sinks);
/* Stops the trackers (before the agent's final drain, like the sensor). */
void vg_collector_detach(struct vg_collector *c);
void vg_collector_free(struct vg_collector *c);

/* Pieces, for the collector and its tests. */
/* Up to max programs' kernel time, from their fds. */
size_t vg_prog_stats(struct bpf_program *const *progs, size_t n, struct vg_prog_stat *out, size_t max);
/* Whether the sysctl kernel.bpf_stats_enabled is on (it does not show BPF_ENABLE_STATS
 * fds, such as --bpf-stats holds). */
bool vg_bpf_stats_enabled(void);
/* This process's CPU, memory, start and fds from /proc/self; false when unreadable. */
bool vg_self_stats(struct vg_self_stats *s);

#endif

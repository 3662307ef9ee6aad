/* protect.h — the agent watching itself.
 *
 * Every loop turn: a heartbeat in the control map (the next agent learns from it how long
 * the gap was), and a stop noticed when the agent was continued (SIGCONT) after the clock
 * moved on. Every second: the maps and links it owns checked and restored
 * (vg_loader_verify), its own files checked (binary and rules: content and identity;
 * store: identity), sinks that lose lines. At start, after a takeover of pinned sensors
 * (src/loader/pin.h): what the ring kept from the gap is read first, then the restart is
 * told with its length and what the kernel lost meanwhile.
 *
 * Whatever it finds is raised as an agent event (bpf/agent_event.h) through the pipeline,
 * like a record from the kernel, so that rules alert on it (rules/self.yaml) and every
 * sink and the store keep it; restarts and stops also go into the stats line. The kernel
 * side of the same story (a signal, ptrace or bpf() call aimed at the agent) comes as
 * ordinary events flagged VG_F_AT_AGENT. */
#ifndef VIGIL_PROTECT_H
#define VIGIL_PROTECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "output/sink.h"
#include "output/stats.h"

struct vg_loader;
struct vg_reader;
struct vg_pipeline;

#define VG_OWN_FILES 64

struct vg_own_file {
	char *path;
	bool content;   /* a change of size or mtime counts (binary, rules; not the store, which the agent writes) */
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
};

struct vg_protect {
	struct vg_loader *loader;
	struct vg_reader *reader;
	struct vg_pipeline *pipe;
	struct vg_sinks *sinks;
	uint64_t last_turn_ns;   /* CLOCK_BOOTTIME of the previous loop turn */
	uint64_t next_check_ns;
	uint64_t lost_at_check;  /* the kernel's losses at the last check */
	struct vg_gap restart;   /* the stats line's "restart" */
	struct vg_stops stops;   /* ... and "stopped" */
	uint64_t sink_seen[VG_SINKS_MAX];    /* each sink's lost lines at the last check */
	uint64_t sink_told[VG_SINKS_MAX];    /* ... as last raised */
	uint64_t sink_told_ns[VG_SINKS_MAX]; /* when, while the losses go on (0: they do not) */
	struct vg_own_file own[VG_OWN_FILES];
	int nown;
};

/* The agent's own files besides its binary: rules (files or directories) and store (or
 * NULL). Also notices SIGCONT from now on. */
void vg_protect_init(struct vg_protect *p, const char *const *rules, int nrules, const char *store);
/* Starts watching. Call once the object is live and the reader open: after a takeover this
 * drains what the ring kept and raises the restart. */
void vg_protect_start(struct vg_protect *p, struct vg_loader *l, struct vg_reader *r, struct vg_pipeline *pipe,
		      struct vg_sinks *sinks);
/* A vg_tamper_fn (ctx: the struct vg_protect): says it on stderr and raises it. */
void vg_protect_tamper(void *ctx, unsigned check, const char *object, const char *detail);
/* The agent's own files, for the kernel's watch map (VG_WATCH_AGENT): n paths into out. */
int vg_protect_own_paths(const struct vg_protect *p, const char **out, int max);
/* Once a loop turn; now is CLOCK_BOOTTIME. */
void vg_protect_tick(struct vg_protect *p, uint64_t now);
/* The stats line's restart and stop members into x. */
void vg_protect_stats(const struct vg_protect *p, struct vg_stats_extra *x);
/* At the end of the run (a requested stop): marks the exit clean for the next agent, says
 * on stderr what the sinks lost and where the sensors stay pinned. Returns true when some
 * sink lost lines (the exit status says so). */
bool vg_protect_finish(struct vg_protect *p);
void vg_protect_free(struct vg_protect *p);

#endif

/* pipeline.h — a record's way through user space: decode (keeping the process table
 * current) -> sinks -> rules -> alerts, with what the agent did about them, -> sinks.
 * `vigil run` feeds it from the ring buffer, `vigil replay` from a recording; both hand
 * vg_pipeline_record to their reader as its record callback. */
#ifndef VIGIL_PIPELINE_H
#define VIGIL_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct vg_proctable;
struct vg_sinks;
struct vg_ruleset;
struct vg_recording;

struct vg_pipeline {
	struct vg_proctable *pt;
	struct vg_sinks *sinks;
	struct vg_ruleset *rules;     /* NULL without rules; the owner swaps it on reload */
	struct vg_recording *record;  /* --record: every record is kept here first; may be NULL */
	bool enforce;                 /* act on kill rules (not when replaying a recording) */
	uint64_t alerts, kills;
	struct vg_event_buf ev;
};

/* Ready to take records; pt and sinks are the caller's. */
void vg_pipeline_init(struct vg_pipeline *p, struct vg_proctable *pt, struct vg_sinks *sinks, bool enforce);
/* One record (a vg_record_fn): <0 when it is malformed. */
int vg_pipeline_record(void *pipeline, const void *data, size_t size);
struct vg_alert;
/* One alert (a vg_alert_fn): acted on (kill) and handed to the sinks with the verdict.
 * Alerts from elsewhere than the rules engine's per-event path (the denials the enforcer
 * reports) come in here too. */
void vg_pipeline_alert(const struct vg_alert *al, void *pipeline);

#endif

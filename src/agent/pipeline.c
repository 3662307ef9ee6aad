/* pipeline.c — decode -> sinks -> rules -> verdicts -> sinks (see pipeline.h). Events go
 * to the sinks before the rules see them, so a store holds an alert's triggering event
 * before the alert that points at it. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "agent/pipeline.h"
#include "decode/decode.h"
#include "output/sink.h"
#include "reader/recording.h"
#include "rules/rules.h"

void vg_pipeline_init(struct vg_pipeline *p, struct vg_proctable *pt, struct vg_sinks *sinks, bool enforce)
{
	memset(p, 0, sizeof(*p));
	p->pt = pt;
	p->sinks = sinks;
	p->enforce = enforce;
	vg_event_buf_init(&p->ev);
}

/* The kill action: the kernel already did it at exec for executables it knows; otherwise
 * the process is killed now. A deny rule's alert says whether the call was refused (its
 * event failed with EPERM) or only reported (audit mode). */
void vg_pipeline_alert(const struct vg_alert *al, void *ctx)
{
	struct vg_pipeline *p = ctx;
	pid_t pid = al->ev->proc->pid;
	struct vg_verdict v = { .denied = al->action == VG_ACTION_DENY && al->ev->raw->ret == -EPERM };

	if (al->action == VG_ACTION_KILL && (al->ev->raw->flags & VG_F_KILLED)) {
		v.killed = true;
	} else if (al->action == VG_ACTION_KILL && p->enforce && pid > 1 && pid != getpid()) {
		v.killed = kill(pid, SIGKILL) == 0;
		p->kills += v.killed;
	}
	p->alerts++;
	vg_sinks_alert(p->sinks, al, &v);
}

int vg_pipeline_record(void *pipeline, const void *data, size_t size)
{
	struct vg_pipeline *p = pipeline;
	struct vg_event *ev = &p->ev.ev;

	if (p->record)
		vg_recording_write(p->record, data, size);
	if (vg_decode(p->pt, data, size, ev) < 0)
		return -1;
	vg_sinks_event(p->sinks, ev);
	if (p->rules)
		vg_rules_eval(p->rules, ev, p->pt, vg_pipeline_alert, p);
	return 0;
}

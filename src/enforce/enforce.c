/* enforce.c — the enforce module's front: which backend denies (the first of `backends`
 * this kernel runs), the hand-over of each new deny table, the queue of denials from the
 * deciding thread to the thread that owns the rules, and the denial as an alert: its
 * evidence is an event of the process that tried (from the process table: ancestry,
 * container) with the file, and evt.ret = -EPERM (0 in audit mode). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "decode/fields.h"
#include "enforce/internal.h"
#include "output/json.h"
#include "proc/proctable.h"

static const struct enforce_backend *const backends[] = { &enforce_lsm, &enforce_fanotify };
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

struct vg_enforcer *vg_enforce_new(const struct vg_enforce_opts *o, const struct vg_features *f)
{
	struct vg_enforcer *e = calloc(1, sizeof(*e));

	if (!e || !(e->ring = calloc(DENIAL_SLOTS, sizeof(*e->ring))) || !(e->ev = calloc(1, sizeof(*e->ev))))
		abort();
	e->o = *o;
	if (!e->o.timeout_ms)
		e->o.timeout_ms = 250;
	e->f = *f;
	return e;
}

/* The first backend that runs here; its name and the others' reasons in why. */
static int start_backend(struct vg_enforcer *e, char *why, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < NBACKENDS; i++) {
		char reason[256];

		if (backends[i]->available(&e->f, reason, sizeof(reason)) &&
		    backends[i]->start(e, reason, sizeof(reason)) == 0) {
			e->backend = backends[i];
			return 0;
		}
		if (e->impl)
			backends[i]->stop(e);
		used += (size_t)snprintf(why + used, used < len ? len - used : 0, "%s%s: %s", used ? "; " : "",
					 backends[i]->name, reason);
		if (used >= len)
			used = len - 1;
	}
	return -1;
}

int vg_enforce_rules(struct vg_enforcer *e, const struct vg_ruleset *rs, char *why, size_t len)
{
	struct deny_table *t = deny_table_build(rs, why, len);
	char reasons[512];

	if (!t)
		return -1;
	if (!e->backend && t->n == 0) {
		deny_table_free(t);
		return 0;
	}
	if (!e->backend && start_backend(e, reasons, sizeof(reasons)) < 0) {
		snprintf(why, len, "the rules deny exec or open, and no mechanism can enforce that here (%s)",
			 reasons);
		deny_table_free(t);
		return -1;
	}
	if (e->backend->apply(e, t, why, len) < 0)
		return -1;
	e->any_rules = t->n > 0;
	return 0;
}

void enforce_push(struct vg_enforcer *e, const struct denial *d)
{
	unsigned head = atomic_load_explicit(&e->head, memory_order_relaxed);

	if (head - atomic_load_explicit(&e->tail, memory_order_acquire) >= DENIAL_SLOTS) {
		atomic_fetch_add(&e->c.alerts_dropped, 1);
		return;
	}
	e->ring[head % DENIAL_SLOTS] = *d;
	atomic_store_explicit(&e->head, head + 1, memory_order_release);
}

/* The evidence: what the process that tried looks like, and the file. */
static const struct vg_event *evidence(struct vg_enforcer *e, struct vg_proctable *pt, struct denial *d)
{
	static const struct vg_field *filename, *path;
	struct vg_event *ev = e->ev;
	struct vg_proc *p = vg_proctable_ensure(pt, (pid_t)d->pid);
	struct vg_hdr *h = &d->hdr;

	if (!filename) {
		filename = vg_field_find("exec.filename");
		path = vg_field_find("file.path");
	}
	if (!d->kernel_hdr) {
		*h = (struct vg_hdr){ .ts = d->ts, .size = sizeof(*h), .pid = d->pid, .tid = d->pid,
				      .ppid = (uint32_t)p->ppid, .uid = p->uid, .euid = p->euid, .gid = p->gid,
				      .egid = p->egid, .auid = p->auid, .pidns = p->container.pidns,
				      .mntns = p->container.mntns, .netns = p->container.netns,
				      .ret = d->enforced ? -EPERM : 0 };
		memcpy(h->comm, p->comm, sizeof(h->comm));
	}
	h->type = d->kind == VG_DENY_EXEC ? VG_EV_EXEC : VG_EV_OPEN;
	ev->raw = h;
	ev->type = h->type;
	ev->ts_ns = vg_boot_to_wall(d->ts);
	ev->proc = p;
	ev->pt = pt;
	ev->nfields = 0;
	vg_event_add_str(ev, d->kind == VG_DENY_EXEC ? filename : path, d->path, strlen(d->path));
	return ev;
}

int vg_enforce_report(struct vg_enforcer *e, struct vg_ruleset *rs, struct vg_proctable *pt,
		      vg_alert_fn fn, void *ctx)
{
	unsigned tail = atomic_load_explicit(&e->tail, memory_order_relaxed);
	int alerts = 0;

	while (tail != atomic_load_explicit(&e->head, memory_order_acquire)) {
		struct denial *d = &e->ring[tail % DENIAL_SLOTS];

		if (rs)
			alerts += vg_rules_alert(rs, d->rule, evidence(e, pt, d), pt, fn, ctx);
		atomic_store_explicit(&e->tail, ++tail, memory_order_release);
	}
	return alerts;
}

bool vg_enforce_stats(const struct vg_enforcer *e, struct vg_enforce_stats *out)
{
	if (!e->backend)
		return false;
	*out = (struct vg_enforce_stats){
		.mechanism = e->backend->name,
		.audit = e->o.audit,
		.timeout_ms = e->o.timeout_ms,
#define VG_ENFORCE_LOAD(name) .name = atomic_load(&e->c.name),
		VG_ENFORCE_COUNTERS(VG_ENFORCE_LOAD)
#undef VG_ENFORCE_LOAD
	};
	return true;
}

void vg_enforce_free(struct vg_enforcer *e)
{
	if (!e)
		return;
	if (e->backend)
		e->backend->stop(e);
	free(e->ring);
	free(e->ev);
	free(e);
}

void vg_enforce_describe(const struct vg_features *f, char *out, size_t len)
{
	char reasons[NBACKENDS][256];
	size_t chosen = NBACKENDS, used;

	for (size_t i = 0; i < NBACKENDS; i++)
		if (backends[i]->available(f, reasons[i], sizeof(reasons[i])) && chosen == NBACKENDS)
			chosen = i;
	if (chosen < NBACKENDS)
		used = (size_t)snprintf(out, len, "%s: %s", backends[chosen]->name, backends[chosen]->what);
	else
		used = (size_t)snprintf(out, len, "none: deny rules cannot run here");
	for (size_t i = 0; i < NBACKENDS && i < chosen && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "; not %s: %s", backends[i]->name, reasons[i]);
}

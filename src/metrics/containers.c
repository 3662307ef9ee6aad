/* containers.c — the trackers in the agent: the trackers' object loaded on the tool
 * framework (src/tools/track.c, as `vigil top` loads it), and what it counted, taken
 * every snapshot and added to totals per container (see metrics.h). A cgroup belongs to
 * the container its cgroup v2 directory names (proc/container.c, named from the
 * runtime's state like `vigil top` names it); every other cgroup is the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/internal.h"
#include "tools/tool.h"
#include "tools/track.h"

#define CGROUP_SLOTS 2048 /* per snapshot: cgroup id -> container, open addressing */

struct vg_containers {
	struct vg_tool_ctx t;
	struct vg_track *track;
	struct vg_container_metrics list[VG_METRICS_CONTAINERS];
	size_t n;
	uint64_t snapshot, dropped;
	struct {
		uint64_t cgroup_id, snapshot;
		int slot; /* index in list, -1: dropped */
	} resolved[CGROUP_SLOTS];
	struct vg_track_proc_row *procs;
	struct vg_track_cgroup_row *cgroups;
	struct vg_track_syscall_row *syscalls;
	struct vg_track_pair_row *pairs;
	struct vg_top_process top[VG_METRICS_TOP];
	size_t ntop;
};

/* Messages of the tool framework read "vigil run --trackers: ...". */
static const struct vg_tool trackers_tool = { .name = "run --trackers", .subcommand = true };

struct vg_containers *vg_containers_open(const struct vg_features *f)
{
	static const struct vg_track_opts everything = { .per_process = true, .by_syscall = true, .pipes = true };
	struct vg_containers *cs = calloc(1, sizeof(*cs));

	if (!cs || !(cs->procs = calloc(VG_TRACK_PROCS, sizeof(*cs->procs))) ||
	    !(cs->cgroups = calloc(VG_TRACK_CGROUPS, sizeof(*cs->cgroups))) ||
	    !(cs->syscalls = calloc(VG_TRACK_SYSCALLS, sizeof(*cs->syscalls))) ||
	    !(cs->pairs = calloc(VG_TRACK_PIPE_PAIRS, sizeof(*cs->pairs)))) {
		fputs("vigil: out of memory for the trackers\n", stderr);
		vg_containers_close(cs);
		return NULL;
	}
	cs->t.tool = &trackers_tool;
	cs->t.features = *f;
	cs->t.ev = vg_event_buf_init(&cs->t.evbuf);
	if (!(cs->track = vg_track_open(&cs->t, &everything))) {
		vg_containers_close(cs);
		return NULL;
	}
	return cs;
}

void vg_containers_detach(struct vg_containers *cs)
{
	vg_tool_done(&cs->t, 0);
}

void vg_containers_close(struct vg_containers *cs)
{
	if (!cs)
		return;
	vg_tool_done(&cs->t, 0);
	vg_track_close(cs->track);
	for (size_t i = 0; i < cs->n; i++)
		free(cs->list[i].syscalls);
	free(cs->t.procs);
	vg_buf_free(&cs->t.out);
	free(cs->procs);
	free(cs->cgroups);
	free(cs->syscalls);
	free(cs->pairs);
	free(cs);
}

struct bpf_object *vg_containers_object(const struct vg_containers *cs)
{
	return vg_track_object(cs->track);
}

/* The slot of container id, made (or taken from the one idle the longest) when new; -1
 * when every slot counted something in this snapshot. */
static int slot_of(struct vg_containers *cs, const char *id, const char *name, const char *runtime)
{
	struct vg_container_metrics *m;
	size_t i, idle = 0;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->list[i].id, id) == 0)
			return (int)i;
	if (cs->n < VG_METRICS_CONTAINERS) {
		i = cs->n;
	} else {
		for (i = 1; i < cs->n; i++)
			if (cs->list[i].active_at < cs->list[idle].active_at)
				idle = i;
		if (cs->list[idle].active_at == cs->snapshot)
			return -1;
		i = idle;
		free(cs->list[i].syscalls);
		cs->dropped++;
	}
	m = &cs->list[i];
	memset(m, 0, sizeof(*m));
	if (!(m->syscalls = calloc(VG_METRICS_NR, sizeof(*m->syscalls))))
		return -1;
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->name, sizeof(m->name), "%s", id[0] ? name : "host");
	m->runtime = runtime;
	if (i == cs->n)
		cs->n++;
	return (int)i;
}

/* The container a cgroup belongs to, marked active in this snapshot; NULL when it had to
 * be dropped. Resolved once per cgroup and snapshot. */
static struct vg_container_metrics *container_of(struct vg_containers *cs, uint64_t cgroup_id)
{
	size_t h = (size_t)(cgroup_id * 0x9e3779b97f4a7c15ull >> 53) % CGROUP_SLOTS;
	char id[65], name[128];
	const char *runtime;
	int slot;

	for (size_t probe = 0; probe < CGROUP_SLOTS; probe++, h = (h + 1) % CGROUP_SLOTS) {
		if (cs->resolved[h].snapshot != cs->snapshot)
			break;
		if (cs->resolved[h].cgroup_id == cgroup_id)
			return cs->resolved[h].slot < 0 ? NULL : &cs->list[cs->resolved[h].slot];
	}
	vg_tool_container_of(&cs->t, cgroup_id, 0, id, name, &runtime);
	slot = slot_of(cs, id, name, runtime);
	if (slot < 0)
		cs->dropped++;
	else
		cs->list[slot].active_at = cs->snapshot;
	if (cs->resolved[h].snapshot != cs->snapshot) /* the table has room for every cgroup (the kernel's cap) */
		cs->resolved[h] = (typeof(cs->resolved[0])){ cgroup_id, cs->snapshot, slot };
	return slot < 0 ? NULL : &cs->list[slot];
}

static int by_syscalls(const void *a, const void *b)
{
	uint64_t x = ((const struct vg_track_proc_row *)a)->c.syscalls, y = ((const struct vg_track_proc_row *)b)->c.syscalls;

	return x < y ? 1 : x > y ? -1 : 0;
}

static void take_top(struct vg_containers *cs)
{
	size_t n = vg_track_take_procs(cs->track, cs->procs, VG_TRACK_PROCS);

	qsort(cs->procs, n, sizeof(*cs->procs), by_syscalls);
	cs->ntop = 0;
	for (size_t i = 0; i < n && cs->ntop < VG_METRICS_TOP; i++) {
		const struct vg_track_proc_row *p = &cs->procs[i];
		const struct vg_tool_proc *ctx = vg_tool_proc_of(&cs->t, p->pid, p->start_time, p->cgroup_id, p->uid);
		struct vg_top_process *top = &cs->top[cs->ntop++];

		top->pid = p->pid;
		memcpy(top->comm, p->comm, sizeof(top->comm));
		snprintf(top->container_id, sizeof(top->container_id), "%s", ctx->container_id);
		snprintf(top->container_name, sizeof(top->container_name), "%s",
			 ctx->container_id[0] ? ctx->container_name : "host");
		top->c = p->c;
	}
}

void vg_containers_collect(struct vg_containers *cs)
{
	size_t n;

	cs->snapshot++;
	vg_track_turn(cs->track);
	n = vg_track_take_cgroups(cs->track, cs->cgroups, VG_TRACK_CGROUPS);
	for (size_t i = 0; i < n; i++) {
		struct vg_container_metrics *m = container_of(cs, cs->cgroups[i].cgroup_id);

		if (m)
			vg_track_counts_add(&m->c, &cs->cgroups[i].c);
	}
	n = vg_track_take_syscalls(cs->track, cs->syscalls, VG_TRACK_SYSCALLS);
	for (size_t i = 0; i < n; i++) {
		struct vg_container_metrics *m = container_of(cs, cs->syscalls[i].cgroup_id);

		if (m && cs->syscalls[i].nr < VG_METRICS_NR)
			m->syscalls[cs->syscalls[i].nr] += cs->syscalls[i].count;
	}
	n = vg_track_take_pairs(cs->track, cs->pairs, VG_TRACK_PIPE_PAIRS);
	for (size_t i = 0; i < n; i++) {
		struct vg_container_metrics *user = container_of(cs, cs->pairs[i].cgroup_id);
		struct vg_container_metrics *owner = container_of(cs, cs->pairs[i].owner);

		if (!user || !owner || user == owner)
			continue; /* two cgroups of one container */
		user->cross_pipes += cs->pairs[i].pipes;
		owner->cross_pipes += cs->pairs[i].pipes;
		user->cross_pipe_bytes += cs->pairs[i].bytes;
	}
	take_top(cs);
}

const struct vg_container_metrics *vg_containers_list(const struct vg_containers *cs, size_t *n, uint64_t *dropped)
{
	*n = cs->n;
	*dropped = cs->dropped;
	return cs->list;
}

const struct vg_top_process *vg_containers_top(const struct vg_containers *cs, size_t *n)
{
	*n = cs->ntop;
	return cs->top;
}

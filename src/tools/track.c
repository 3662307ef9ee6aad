/* track.c — the trackers' object from user space (see track.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "loader/mapread.h"
#include "tools/syscalls.h"
#include "tools/tool.h"
#include "tools/track.h"
#include "track.skel.h"

struct vg_track {
	struct track_bpf *obj;
	struct vg_generation generation;
	void *keys, *values; /* take buffers, as large as the largest map needs */
};

/* vg_map_take_ended reads every key's first 32 bits. */
_Static_assert(offsetof(struct vg_track_proc_key, generation) == 0, "generation first");
_Static_assert(offsetof(struct vg_track_cgroup_key, generation) == 0, "generation first");
_Static_assert(offsetof(struct vg_track_syscall_key, generation) == 0, "generation first");
_Static_assert(offsetof(struct vg_track_pair_key, generation) == 0, "generation first");

static size_t largest_take(const struct track_bpf *obj, size_t *key_bytes)
{
	const struct bpf_map *maps[] = { obj->maps.vg_track_procs, obj->maps.vg_track_cgroups,
					 obj->maps.vg_track_syscalls, obj->maps.vg_track_pairs };
	size_t values = 0;

	*key_bytes = 0;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		size_t n = bpf_map__max_entries(maps[i]);

		if (n * bpf_map__key_size(maps[i]) > *key_bytes)
			*key_bytes = n * bpf_map__key_size(maps[i]);
		if (n * vg_map_value_stride(maps[i]) > values)
			values = n * vg_map_value_stride(maps[i]);
	}
	return values;
}

struct vg_track *vg_track_open(struct vg_tool_ctx *t, const struct vg_track_opts *o)
{
	struct vg_track *tr = calloc(1, sizeof(*tr));
	size_t key_bytes, value_bytes;

	if (!tr || !(tr->obj = track_bpf__open())) {
		vg_tool_error(t, "cannot open the trackers' BPF object");
		free(tr);
		return NULL;
	}
	tr->obj->rodata->vg_track_config.per_process = o->per_process;
	tr->obj->rodata->vg_track_config.by_syscall = o->by_syscall;
	tr->obj->rodata->vg_track_config.pipes = o->pipes;
	value_bytes = largest_take(tr->obj, &key_bytes);
	if (!(tr->keys = malloc(key_bytes)) || !(tr->values = malloc(value_bytes))) {
		vg_tool_error(t, "out of memory");
		goto fail;
	}
	if (vg_tool_choose(t, tr->obj->progs.vg_track_syscall_sys_exit_btf, tr->obj->progs.vg_track_syscall_sys_exit_raw,
			   NULL) < 0 ||
	    vg_tool_choose(t, tr->obj->progs.vg_track_exec_sched_process_exec_btf,
			   tr->obj->progs.vg_track_exec_sched_process_exec_raw, NULL) < 0 ||
	    vg_tool_choose(t, tr->obj->progs.vg_track_fork_sched_process_fork_btf,
			   tr->obj->progs.vg_track_fork_sched_process_fork_raw, NULL) < 0 ||
	    vg_tool_choose(t, tr->obj->progs.vg_track_exit_sched_process_exit_btf,
			   tr->obj->progs.vg_track_exit_sched_process_exit_raw, NULL) < 0 ||
	    vg_tool_load(t, tr->obj->obj, &tr->obj->rodata->vg_tool_filter) < 0 ||
	    vg_tool_map_generation(t, &tr->generation, VG_TOOL_GENERATION(tr->obj)) < 0 ||
	    vg_tool_attach(t) < 0)
		goto fail;
	return tr;
fail:
	t->obj = NULL; /* vg_track_close destroys it */
	vg_track_close(tr);
	return NULL;
}

void vg_track_close(struct vg_track *tr)
{
	if (!tr)
		return;
	vg_generation_unmap(&tr->generation);
	track_bpf__destroy(tr->obj);
	free(tr->keys);
	free(tr->values);
	free(tr);
}

const void *vg_track_elf_bytes(size_t *size)
{
	return track_bpf__elf_bytes(size);
}

struct bpf_object *vg_track_object(const struct vg_track *tr)
{
	return tr->obj->obj;
}

void vg_track_counts_add(struct vg_track_counts *to, const struct vg_track_counts *c)
{
#define ADD(name, help) to->name += c->name;
	VG_TRACK_COUNTERS(ADD)
#undef ADD
}

bool vg_track_counts_zero(const struct vg_track_counts *c)
{
	static const struct vg_track_counts zero;

	return memcmp(c, &zero, sizeof(zero)) == 0;
}

void vg_track_turn(struct vg_track *tr)
{
	vg_generation_turn(&tr->generation);
}

/* Up to max entries of an ended generation from map into the take buffers (sized for
 * every map's max_entries). */
static size_t take(struct vg_track *tr, struct bpf_map *map, size_t max)
{
	return vg_map_take_ended(map, &tr->generation, tr->keys, tr->values, max);
}

/* The per-CPU copies of entry i of a take: ncpu values of size (rounded to 8) each. */
static const void *slot(const struct vg_track *tr, size_t stride, size_t i, int cpu, size_t size)
{
	return (const char *)tr->values + i * stride + (size_t)cpu * ((size + 7) & ~(size_t)7);
}

size_t vg_track_take_procs(struct vg_track *tr, struct vg_track_proc_row *out, size_t max)
{
	struct bpf_map *map = tr->obj->maps.vg_track_procs;
	size_t stride = vg_map_value_stride(map), n;
	const struct vg_track_proc_key *keys = tr->keys;

	n = take(tr, map, max);
	for (size_t i = 0; i < n; i++) {
		struct vg_track_proc_row *r = &out[i];
		uint64_t named_at = 0;

		memset(r, 0, sizeof(*r));
		r->pid = keys[i].tgid;
		for (int c = 0; c < vg_percpu_count(); c++) {
			const struct vg_track_proc *v = slot(tr, stride, i, c, sizeof(*v));

			vg_track_counts_add(&r->c, &v->c);
			if (v->named_at > named_at) { /* the newest identity (see track_event.h) */
				memcpy(r->comm, v->comm, sizeof(r->comm));
				named_at = v->named_at;
				r->cgroup_id = v->cgroup_id;
			}
			if (v->start_time) /* set with the entry, never changed */
				r->start_time = v->start_time, r->uid = v->uid;
		}
	}
	return n;
}

size_t vg_track_take_cgroups(struct vg_track *tr, struct vg_track_cgroup_row *out, size_t max)
{
	struct bpf_map *map = tr->obj->maps.vg_track_cgroups;
	size_t stride = vg_map_value_stride(map), n;
	const struct vg_track_cgroup_key *keys = tr->keys;

	n = take(tr, map, max);
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].cgroup_id = keys[i].cgroup_id;
		for (int c = 0; c < vg_percpu_count(); c++)
			vg_track_counts_add(&out[i].c, slot(tr, stride, i, c, sizeof(struct vg_track_counts)));
	}
	return n;
}

size_t vg_track_take_syscalls(struct vg_track *tr, struct vg_track_syscall_row *out, size_t max)
{
	struct bpf_map *map = tr->obj->maps.vg_track_syscalls;
	size_t stride = vg_map_value_stride(map), n;
	const struct vg_track_syscall_key *keys = tr->keys;

	n = take(tr, map, max);
	for (size_t i = 0; i < n; i++) {
		out[i] = (struct vg_track_syscall_row){ .cgroup_id = keys[i].cgroup_id, .nr = keys[i].nr };
		for (int c = 0; c < vg_percpu_count(); c++)
			out[i].count += *(const uint64_t *)slot(tr, stride, i, c, sizeof(uint64_t));
	}
	return n;
}

size_t vg_track_take_pairs(struct vg_track *tr, struct vg_track_pair_row *out, size_t max)
{
	struct bpf_map *map = tr->obj->maps.vg_track_pairs;
	size_t stride = vg_map_value_stride(map), n;
	const struct vg_track_pair_key *keys = tr->keys;

	n = take(tr, map, max);
	for (size_t i = 0; i < n; i++) {
		out[i] = (struct vg_track_pair_row){ .cgroup_id = keys[i].cgroup_id, .owner = keys[i].owner };
		for (int c = 0; c < vg_percpu_count(); c++) {
			const struct vg_track_pair *v = slot(tr, stride, i, c, sizeof(*v));

			out[i].pipes += v->pipes;
			out[i].bytes += v->bytes;
		}
	}
	return n;
}

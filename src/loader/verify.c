/* verify.c — the maps the agent owns, checked against what it wrote (vg_loader_verify).
 *
 * Anybody with CAP_BPF can rewrite one of the agent's maps by id (bpftool map update id
 * N ...), write the control map through an mmap, or remove a pin. The bpf event reports
 * the calls it sees (VG_F_AT_AGENT); this finds the result, whatever the way: every map
 * user space owns is compared with what it wrote, restored, and each difference reported,
 * so that silencing the sensor lasts at most one check. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "event.h"
#include "loader/loader.h"
#include "vigil.skel.h"

#define EXTRA_MAX 64 /* unexpected entries removed per map and check */

struct verify {
	vg_tamper_fn found;
	void *ctx;
	int count;
};

static void report(struct verify *v, unsigned check, const char *object, const char *detail)
{
	v->found(v->ctx, check, object, detail);
	v->count++;
}

static bool listed(const void *keys, size_t key_size, int n, const void *key)
{
	for (int i = 0; i < n; i++)
		if (memcmp((const char *)keys + (size_t)i * key_size, key, key_size) == 0)
			return true;
	return false;
}

/* A set map (every value 1): the listed keys and no other. */
static void check_set(struct verify *v, struct bpf_map *map, const void *keys, size_t key_size, int n)
{
	int fd = bpf_map__fd(map), missing = 0, extra = 0;
	char key[64], next[64], gone[EXTRA_MAX][64], detail[160];
	bool first = true;
	__u8 val, one = 1;

	if (key_size > sizeof(key))
		return;
	for (int i = 0; i < n; i++) {
		const void *k = (const char *)keys + (size_t)i * key_size;

		if (bpf_map_lookup_elem(fd, k, &val) == 0 && val == 1)
			continue;
		bpf_map_update_elem(fd, k, &one, BPF_ANY);
		missing++;
	}
	while (extra < EXTRA_MAX && bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = false;
		memcpy(key, next, key_size);
		if (!listed(keys, key_size, n, key))
			memcpy(gone[extra++], key, key_size);
	}
	for (int i = 0; i < extra; i++)
		bpf_map_delete_elem(fd, gone[i]);
	if (!missing && !extra)
		return;
	snprintf(detail, sizeof(detail), "%d entries missing or changed, %d%s not written by vigil: restored", missing,
		 extra, extra == EXTRA_MAX ? " (or more)" : "");
	report(v, VG_AGENT_MAP_CHANGED, bpf_map__name(map), detail);
}

static void check_interest(struct verify *v, struct vg_loader *l)
{
	int fd = bpf_map__fd(l->skel->maps.vg_interest);
	char detail[256] = "";
	size_t used = 0;

	for (__u32 t = 0; t < VG_EV__COUNT; t++) {
		__u8 on = 0, want = l->wrote.interest[t];

		if (bpf_map_lookup_elem(fd, &t, &on) == 0 && on == want)
			continue;
		bpf_map_update_elem(fd, &t, &want, BPF_ANY);
		if (used < sizeof(detail))
			used += (size_t)snprintf(detail + used, sizeof(detail) - used, "%s%s was %u", used ? ", " : "",
						 vg_event_name(t), on);
	}
	if (used)
		report(v, VG_AGENT_MAP_CHANGED, "vg_interest", strncat(detail, ": restored", sizeof(detail) - strlen(detail) - 1));
}

static void check_control(struct verify *v, struct vg_loader *l)
{
	struct vg_control *c = l->control;
	struct vg_inode_key exe = { 0 };

	vg_inode_key_of("/proc/self/exe", &exe);
	if (c->generation == l->pins.generation && c->self_pid == (__u32)getpid() && c->layout == l->layout &&
	    memcmp(&c->self_exe, &exe, sizeof(exe)) == 0)
		return;
	c->layout = l->layout;
	c->self_pid = (__u32)getpid();
	c->self_exe = exe;
	c->generation = l->pins.generation;
	report(v, VG_AGENT_MAP_CHANGED, "vg_control", "the live generation or the agent's identity was changed: restored");
}

/* Every pin still there (a removed one would let the sensors go with this agent). */
static void check_pins(struct verify *v, struct vg_loader *l)
{
	struct bpf_map *map;

	if (l->pins.lock_fd < 0)
		return;
	bpf_object__for_each_map(map, l->skel->obj) {
		const char *path = bpf_map__pin_path(map);

		if (!path || access(path, F_OK) == 0)
			continue;
		bpf_obj_pin(bpf_map__fd(map), path);
		report(v, VG_AGENT_MAP_CHANGED, bpf_map__name(map), "its pin was removed: pinned again");
	}
	for (int i = 0; i < l->nlinks; i++) {
		const char *path = l->links[i] ? bpf_link__pin_path(l->links[i]) : NULL;

		if (!path || access(path, F_OK) == 0)
			continue;
		bpf_obj_pin(bpf_link__fd(l->links[i]), path);
		report(v, VG_AGENT_LINK_LOST, bpf_program__name(l->link_prog[i]), "its pin was removed: pinned again");
	}
}

/* Every link still attached to the program it was made for. */
static void check_links(struct verify *v, struct vg_loader *l)
{
	for (int i = 0; i < l->nlinks; i++) {
		struct bpf_link_info link = { 0 };
		struct bpf_prog_info prog = { 0 };
		__u32 len = sizeof(link), plen = sizeof(prog);
		char detail[160];

		if (!l->links[i])
			continue;
		if (bpf_obj_get_info_by_fd(bpf_link__fd(l->links[i]), &link, &len) < 0)
			snprintf(detail, sizeof(detail), "its link cannot be read: %s", strerror(errno));
		else if (bpf_obj_get_info_by_fd(bpf_program__fd(l->link_prog[i]), &prog, &plen) == 0 &&
			 link.prog_id != prog.id)
			snprintf(detail, sizeof(detail), "its link runs program %u, not vigil's %u", link.prog_id, prog.id);
		else
			continue;
		report(v, VG_AGENT_LINK_LOST, bpf_program__name(l->link_prog[i]), detail);
	}
}

int vg_loader_verify(struct vg_loader *l, vg_tamper_fn found, void *ctx)
{
	struct verify v = { found, ctx, 0 };
	struct vg_loader_wrote *w = &l->wrote;

	check_control(&v, l);
	check_interest(&v, l);
	check_set(&v, l->skel->maps.vg_kill_exe, w->kill, sizeof(w->kill[0]), w->nkill);
	check_set(&v, l->skel->maps.vg_allow_exe, w->allow_exe, sizeof(w->allow_exe[0]), w->nallow_exe);
	check_set(&v, l->skel->maps.vg_allow_cmd, w->allow_cmd, sizeof(w->allow_cmd[0]), w->nallow_cmd);
	check_set(&v, l->skel->maps.vg_self_objects, w->self, sizeof(w->self[0]), w->nself);
	check_pins(&v, l);
	check_links(&v, l);
	return v.count;
}

/* hooks.c — the list of every domain's hook table, and what the tables' mechanisms and
 * program handles mean. */
#include "loader/hooks.h"

static const struct vg_hook_table *const tables[] = {
	&vg_hooks_proc,
	&vg_hooks_net,
	&vg_hooks_file,
	&vg_hooks_priv,
	&vg_hooks_shell,
	&vg_hooks_device,
	&vg_hooks_uring,
	&vg_hooks_integrity,
};

const struct vg_hook *vg_hook_at(size_t i)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		if (i < tables[t]->count)
			return &tables[t]->hooks[i];
		i -= tables[t]->count;
	}
	return NULL;
}

const struct vg_uprobe_target *vg_hook_uprobe(size_t prog)
{
	for (size_t i = 0; i < vg_uprobe_nbindings; i++)
		if (vg_uprobe_bindings[i].prog == prog)
			return &vg_uprobe_bindings[i].target;
	return NULL;
}

const char *vg_mechanism_name(enum vg_mechanism m)
{
	switch (m) {
#define VG_MECH_NAME(e, name, feature) case VG_MECH_##e: return name;
		VG_MECHANISMS(VG_MECH_NAME)
#undef VG_MECH_NAME
	}
	return "unknown";
}

bool vg_mechanism_available(const struct vg_features *f, enum vg_mechanism m, const char **why)
{
	switch (m) {
#define VG_MECH_AVAILABLE(e, name, feature) \
	case VG_MECH_##e:                   \
		*why = f->why_##feature;    \
		return f->feature;
		VG_MECHANISMS(VG_MECH_AVAILABLE)
#undef VG_MECH_AVAILABLE
	}
	*why = "unknown mechanism";
	return false;
}

struct bpf_program *vg_hook_prog(const struct vigil_bpf *skel, size_t off)
{
	return *(struct bpf_program *const *)((const char *)skel + off);
}

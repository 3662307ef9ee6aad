/* hooks.c — the list of every domain's hook table. */
#include "loader/hooks.h"

static const struct vg_hook_table *const tables[] = {
	&vg_hooks_proc,
	&vg_hooks_net,
	&vg_hooks_file,
	&vg_hooks_priv,
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

/* hooks_shell.c — hooks of the shell events (bpf/sensor/shell.bpf.c): uprobes, whose
 * target the loader resolves on the host (loader/uprobe.h). */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_SHELL_COMMAND, "line typed into bash (uretprobe on readline)", false,
	  { { VG_MECH_UPROBE, NULL, { VG_PROG(vg_shell_command_readline_uretprobe) } } } },
};

/* bash's readline: in bash itself where readline is built in (Debian), else in the
 * libreadline it links. */
const struct vg_uprobe_binding vg_uprobe_bindings[] = {
	{ VG_PROG(vg_shell_command_readline_uretprobe), { "bash", "readline", true } },
};
const size_t vg_uprobe_nbindings = sizeof(vg_uprobe_bindings) / sizeof(vg_uprobe_bindings[0]);

const struct vg_hook_table vg_hooks_shell = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

/* hooks_proc.c — hooks of the process lifecycle events (bpf/sensor/proc.bpf.c). */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_EXEC, "successful exec (sched_process_exec)", false,
	  { { "tp_btf", { "sched_process_exec_btf" } }, { "raw_tp", { "sched_process_exec_raw" } } } },
	{ VG_EV_EXEC, "failed exec (sys_exit_execve/execveat)", true,
	  { { "tracepoint", { "vg_sys_enter_execve", "vg_sys_exit_execve", "vg_sys_enter_execveat",
			      "vg_sys_exit_execveat" } } } },
	{ VG_EV_FORK, "new process (sched_process_fork)", false,
	  { { "tp_btf", { "sched_process_fork_btf" } }, { "raw_tp", { "sched_process_fork_raw" } } } },
	{ VG_EV_EXIT, "process exit (sched_process_exit)", false,
	  { { "tp_btf", { "sched_process_exit_btf" } }, { "raw_tp", { "sched_process_exit_raw" } } } },
};

const struct vg_hook_table vg_hooks_proc = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

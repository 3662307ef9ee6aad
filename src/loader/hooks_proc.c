/* hooks_proc.c — hooks of the process lifecycle events (bpf/sensor/proc.bpf.c). */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_EXEC, "successful exec (sched_process_exec)", false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_proc_exec_sched_process_exec_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_proc_exec_sched_process_exec_raw) } } } },
	{ VG_EV_EXEC, "failed exec (sys_exit_execve/execveat)", true,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_proc_exec_sys_exit_execve), VG_PROG(vg_proc_exec_sys_exit_execveat) } } } },
	{ VG_EV_FORK, "new process (sched_process_fork)", false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_proc_fork_sched_process_fork_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_proc_fork_sched_process_fork_raw) } } } },
	{ VG_EV_EXIT, "process exit (sched_process_exit)", false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_proc_exit_sched_process_exit_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_proc_exit_sched_process_exit_raw) } } } },
};

const struct vg_hook_table vg_hooks_proc = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

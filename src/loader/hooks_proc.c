/* hooks_proc.c — hooks of the process lifecycle events and sleeps (bpf/sensor/proc.bpf.c). */
#include "loader/hooks.h"
#include "vigil_event.h"

/* One program decides exit and exit_group: listed under each, attached once. */
#define EXIT_PROGS                                                                     \
	{ { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_proc_exit_sched_process_exit_btf) } },   \
	  { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_proc_exit_sched_process_exit_raw) } } }

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
	{ VG_EV_EXIT, "process end without exit_group(2): a signal, the last thread's exit(2) (sched_process_exit)",
	  false, EXIT_PROGS },
	{ VG_EV_EXIT_GROUP, "process end by exit_group(2) (sched_process_exit, SIGNAL_GROUP_EXIT)", false, EXIT_PROGS },
	{ VG_EV_NANOSLEEP, "sleeps, the time asked for (sys_exit_nanosleep/clock_nanosleep)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_proc_nanosleep_sys_exit_nanosleep), VG_PROG(vg_proc_nanosleep_sys_exit_clock_nanosleep) } } } },
};

const struct vg_hook_table vg_hooks_proc = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

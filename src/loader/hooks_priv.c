/* hooks_priv.c — hooks of the privilege, process-control and kernel events (bpf/sensor/priv.bpf.c).
 * A program serving several events (the exec checks, the set*uid pair) is listed under
 * each; the loader attaches it once. */
#include "loader/hooks.h"
#include "vigil_event.h"

#define TP_PAIR(what, name, optional, ev)                                                  \
	{ ev, what, optional, { { "tp_btf", { name "_btf" } }, { "raw_tp", { name "_raw" } } } }

#define EXEC_CHECKS(ev, what) TP_PAIR(what " (sched_process_exec)", "vg_priv_exec", false, ev)

#define SETUID_PROGS                                                                        \
	"vg_priv_enter_setuid", "vg_priv_exit_setuid", "vg_priv_enter_setreuid",            \
		"vg_priv_exit_setreuid", "vg_priv_enter_setresuid", "vg_priv_exit_setresuid", \
		"vg_priv_enter_setfsuid", "vg_priv_exit_setfsuid"

static const struct vg_hook hooks[] = {
	{ VG_EV_PTRACE, "attach/seize/poke/setregs/traceme (sys_enter/exit_ptrace)", false,
	  { { "tracepoint", { "vg_priv_enter_ptrace", "vg_priv_exit_ptrace" } } } },
	{ VG_EV_SETSID, "new session (sys_exit_setsid)", false,
	  { { "tracepoint", { "vg_priv_exit_setsid" } } } },
	TP_PAIR("PR_SET_NAME and /proc/PID/comm renames (task:task_rename)", "task_rename", false, VG_EV_PRCTL),
	{ VG_EV_PRCTL, "dumpable/seccomp/capbset/securebits/mm/no_new_privs/ambient/ptracer (sys_enter/exit_prctl)",
	  true, { { "tracepoint", { "vg_priv_enter_prctl", "vg_priv_exit_prctl" } } } },
	{ VG_EV_MOUNT, "mount(2) (sys_enter/exit_mount, caller's strings)", false,
	  { { "tracepoint", { "vg_priv_enter_mount", "vg_priv_exit_mount" } } } },
	{ VG_EV_MOUNT, "new mount API fsopen/fsconfig create/fsmount (fs_context and mount from the fd)", true,
	  { { "tracepoint", { "vg_priv_exit_fsopen", "vg_priv_enter_fsconfig", "vg_priv_exit_fsconfig",
			      "vg_priv_enter_fsmount", "vg_priv_exit_fsmount" } } } },
	{ VG_EV_MOUNT, "new mount API move_mount/open_tree (mount from the fd)", true,
	  { { "tracepoint", { "vg_priv_enter_move_mount", "vg_priv_exit_move_mount", "vg_priv_enter_open_tree",
			      "vg_priv_exit_open_tree" } } } },
	{ VG_EV_UMOUNT, "umount2 (sys_enter/exit_umount)", false,
	  { { "tracepoint", { "vg_priv_enter_umount", "vg_priv_exit_umount" } } } },
	{ VG_EV_MODULE, "finit_module (sys_enter/exit_finit_module; absent without CONFIG_MODULES)", false,
	  { { "tracepoint", { "vg_priv_enter_finit_module", "vg_priv_exit_finit_module" } } } },
	{ VG_EV_MODULE, "init_module (sys_enter/exit_init_module; absent without CONFIG_MODULES)", false,
	  { { "tracepoint", { "vg_priv_enter_init_module", "vg_priv_exit_init_module" } } } },
	{ VG_EV_CRED, "uid/euid/fsuid to 0 (sys_enter/exit_setuid/setreuid/setresuid/setfsuid)", false,
	  { { "tracepoint", { SETUID_PROGS } } } },
	EXEC_CHECKS(VG_EV_PRIVESC, "root/caps without setuid exec"),
	{ VG_EV_PRIVESC, "root held at set*uid entry without a tracked path (sys_enter_set*uid)", true,
	  { { "tracepoint", { SETUID_PROGS } } } },
	EXEC_CHECKS(VG_EV_UMH, "exec whose parent is a kernel thread"),
	EXEC_CHECKS(VG_EV_SYSCALL32, "32-bit ELF image"),
	/* a program on every syscall: about +100 ns per syscall measured here, so sandbox only */
	TP_PAIR("ia32 syscalls, one report per process per 10 s (raw_syscalls:sys_enter)", "vg_priv_sys_enter",
		VG_SANDBOX_ONLY, VG_EV_SYSCALL32),
	TP_PAIR("signals sent by processes (signal:signal_generate)", "signal_generate", false, VG_EV_KILL),
	{ VG_EV_BPF, "map create, prog load/attach, link create, raw tp open (sys_enter/exit_bpf)", false,
	  { { "tracepoint", { "vg_priv_enter_bpf", "vg_priv_exit_bpf" } } } },
	TP_PAIR("capability checks, one per process, cap and verdict per 10 s (capability:cap_capable)",
		"cap_capable", false, VG_EV_CAPABILITY),
	{ VG_EV_UNSHARE, "unshare (sys_enter/exit_unshare)", false,
	  { { "tracepoint", { "vg_priv_enter_unshare", "vg_priv_exit_unshare" } } } },
	{ VG_EV_SETNS, "setns, namespace from the fd (sys_enter/exit_setns)", false,
	  { { "tracepoint", { "vg_priv_enter_setns", "vg_priv_exit_setns" } } } },
	{ VG_EV_PROCESS_VM, "process_vm_writev (sys_enter/exit_process_vm_writev)", false,
	  { { "tracepoint", { "vg_priv_enter_pvm_writev", "vg_priv_exit_pvm_writev" } } } },
	{ VG_EV_PROCESS_VM, "process_vm_readv (sys_enter/exit_process_vm_readv)", true,
	  { { "tracepoint", { "vg_priv_enter_pvm_readv", "vg_priv_exit_pvm_readv" } } } },
	TP_PAIR("io_uring instance created (io_uring:io_uring_create)", "io_uring_create", false, VG_EV_IO_URING),
	TP_PAIR("cgroup created (cgroup:cgroup_mkdir)", "cgroup_mkdir", false, VG_EV_CGROUP_MKDIR),
};

const struct vg_hook_table vg_hooks_priv = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

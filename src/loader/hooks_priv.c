/* hooks_priv.c — hooks of the privilege, process-control and kernel events
 * (bpf/sensor/priv.bpf.c). A program serving several events (the exec checks, the
 * set*uid programs) is listed under each; the loader attaches it once. */
#include "loader/hooks.h"
#include "vigil_event.h"

#define EXEC_CHECKS                                                                        \
	{ { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_priv_exec_sched_process_exec_btf) } },     \
	  { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_priv_exec_sched_process_exec_raw) } } }

#define SETUID_PROGS                                                                              \
	{ { VG_MECH_TRACEPOINT, NULL,                                                            \
	    { VG_PROG(vg_priv_cred_sys_enter_setuid), VG_PROG(vg_priv_cred_sys_exit_setuid),     \
	      VG_PROG(vg_priv_cred_sys_enter_setreuid), VG_PROG(vg_priv_cred_sys_exit_setreuid), \
	      VG_PROG(vg_priv_cred_sys_enter_setresuid), VG_PROG(vg_priv_cred_sys_exit_setresuid), \
	      VG_PROG(vg_priv_cred_sys_enter_setfsuid), VG_PROG(vg_priv_cred_sys_exit_setfsuid) } } }

#define SIGNAL_PROGS                                                                    \
	{ { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_priv_kill_signal_generate_btf) } },       \
	  { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_priv_kill_signal_generate_raw) } } }

static const struct vg_hook hooks[] = {
	{ VG_EV_PTRACE, "attach/seize/poke/setregs/traceme (sys_exit_ptrace)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_ptrace_sys_exit_ptrace) } } } },
	{ VG_EV_SETSID, "new session (sys_exit_setsid)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_setsid_sys_exit_setsid) } } } },
	{ VG_EV_PRCTL, "PR_SET_NAME and /proc/PID/comm renames (task:task_rename)", false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_priv_prctl_task_rename_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_priv_prctl_task_rename_raw) } } } },
	{ VG_EV_PRCTL, "dumpable/seccomp/capbset/securebits/mm/no_new_privs/ambient/ptracer (sys_exit_prctl)",
	  true, { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_prctl_sys_exit_prctl) } } } },
	{ VG_EV_MOUNT, "mount(2) (sys_exit_mount, caller's strings)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_mount_sys_exit_mount) } } } },
	{ VG_EV_MOUNT, "new mount API fsopen/fsconfig create/fsmount (fs_context and mount from the fd)", true,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_priv_mount_sys_exit_fsopen), VG_PROG(vg_priv_mount_sys_exit_fsconfig),
		VG_PROG(vg_priv_mount_sys_exit_fsmount) } } } },
	{ VG_EV_MOUNT, "new mount API move_mount/open_tree (mount from the fd)", true,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_priv_mount_sys_exit_move_mount), VG_PROG(vg_priv_mount_sys_exit_open_tree) } } } },
	{ VG_EV_UMOUNT, "umount2 (sys_exit_umount)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_umount_sys_exit_umount) } } } },
	{ VG_EV_MODULE, "finit_module (sys_exit_finit_module; absent without CONFIG_MODULES)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_module_sys_exit_finit_module) } } } },
	{ VG_EV_MODULE, "init_module (sys_exit_init_module; absent without CONFIG_MODULES)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_module_sys_exit_init_module) } } } },
	{ VG_EV_CRED, "uid/euid/fsuid to 0 (sys_enter/exit_setuid/setreuid/setresuid/setfsuid)", false,
	  SETUID_PROGS },
	{ VG_EV_PRIVESC, "root/caps without setuid exec (sched_process_exec)", false, EXEC_CHECKS },
	{ VG_EV_PRIVESC, "root held at set*uid entry without a tracked path (sys_enter_set*uid)", true,
	  SETUID_PROGS },
	{ VG_EV_UMH, "exec whose parent is a kernel thread (sched_process_exec)", false, EXEC_CHECKS },
	{ VG_EV_SYSCALL32, "32-bit ELF image (sched_process_exec)", false, EXEC_CHECKS },
	/* a program on every syscall: about +100 ns per syscall measured here, so sandbox only */
	{ VG_EV_SYSCALL32, "ia32 syscalls, one report per process per 10 s (raw_syscalls:sys_enter)",
	  VG_SANDBOX_ONLY,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_priv_syscall32_sys_enter_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_priv_syscall32_sys_enter_raw) } } } },
	{ VG_EV_KILL, "signals sent by kill, sigqueue, pidfd_send_signal (signal:signal_generate)", false,
	  SIGNAL_PROGS },
	{ VG_EV_TKILL, "signals sent by tkill (signal:signal_generate, SI_TKILL)", false, SIGNAL_PROGS },
	{ VG_EV_TGKILL, "signals sent by tgkill (signal:signal_generate, SI_TKILL)", false, SIGNAL_PROGS },
	{ VG_EV_BPF, "map create, prog load/attach, link create, raw tp open (sys_exit_bpf)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_bpf_sys_exit_bpf) } } } },
	{ VG_EV_CAPABILITY, "capability checks, one per process, cap and verdict per 10 s (capability:cap_capable)",
	  false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_priv_capability_cap_capable_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_priv_capability_cap_capable_raw) } } } },
	{ VG_EV_UNSHARE, "unshare (sys_exit_unshare)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_unshare_sys_exit_unshare) } } } },
	{ VG_EV_SETNS, "setns, namespace from the fd (sys_exit_setns)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_setns_sys_exit_setns) } } } },
	{ VG_EV_PROCESS_VM, "process_vm_writev (sys_exit_process_vm_writev)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_pvm_sys_exit_process_vm_writev) } } } },
	{ VG_EV_PROCESS_VM, "process_vm_readv (sys_exit_process_vm_readv)", true,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_priv_pvm_sys_exit_process_vm_readv) } } } },
	{ VG_EV_IO_URING, "io_uring instance created (io_uring:io_uring_create)", false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_priv_io_uring_io_uring_create_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_priv_io_uring_io_uring_create_raw) } } } },
	{ VG_EV_CGROUP_MKDIR, "cgroup created (cgroup:cgroup_mkdir)", false,
	  { { VG_MECH_TP_BTF, NULL, { VG_PROG(vg_priv_cgroup_mkdir_cgroup_mkdir_btf) } },
	    { VG_MECH_RAW_TP, NULL, { VG_PROG(vg_priv_cgroup_mkdir_cgroup_mkdir_raw) } } } },
};

const struct vg_hook_table vg_hooks_priv = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

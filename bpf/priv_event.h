/* priv_event.h — record bodies of the privilege, process-control and kernel events
 * (bpf/sensor/priv.bpf.c, decoded by src/decode/priv.c). Layout rules: see vigil_event.h. */
#ifndef VIGIL_PRIV_EVENT_H
#define VIGIL_PRIV_EVENT_H

#include "vigil_event.h"
#include "agent_event.h"

/* X(NAME, value): the ptrace requests vigil reports (the kernel's filter and the names
 * user space gives them are both made from this list). */
#define VG_PTRACE_REQUESTS(X)                                                            \
	X(TRACEME, 0) X(POKETEXT, 4) X(POKEDATA, 5) X(POKEUSER, 6) X(SETREGS, 13)         \
	X(SETFPREGS, 15) X(ATTACH, 16) X(SETREGSET, 0x4205) X(SEIZE, 0x4206)

/* X(NAME, value, from_prctl): the prctl options vigil reports. PR_SET_NAME comes from
 * task:task_rename (which also sees /proc/PID/comm writes), the rest from prctl(2). */
#define VG_PRCTL_OPTIONS(X)                                                              \
	X(PR_SET_DUMPABLE, 4, 1) X(PR_SET_KEEPCAPS, 8, 1) X(PR_SET_NAME, 15, 0)           \
	X(PR_SET_SECCOMP, 22, 1) X(PR_CAPBSET_DROP, 24, 1) X(PR_SET_SECUREBITS, 28, 1)    \
	X(PR_SET_MM, 35, 1) X(PR_SET_CHILD_SUBREAPER, 36, 1) X(PR_SET_NO_NEW_PRIVS, 38, 1) \
	X(PR_CAP_AMBIENT, 47, 1) X(PR_SET_PTRACER, 0x59616d61, 1)

/* X(NAME, value, fd_at, kind): the bpf(2) commands vigil reports. kind 0: every call; else
 * only a call on one of the agent's own objects (enum vg_self_kind), whose fd is the u32 at
 * offset fd_at of the attr: those change what the agent relies on. */
#define VG_BPF_CMDS(X)                                                                   \
	X(MAP_CREATE, 0, 0, 0) X(PROG_LOAD, 5, 0, 0) X(PROG_ATTACH, 8, 0, 0)                \
	X(RAW_TRACEPOINT_OPEN, 17, 0, 0) X(LINK_CREATE, 28, 0, 0)                          \
	X(MAP_UPDATE_ELEM, 2, 0, VG_SELF_MAP) X(MAP_DELETE_ELEM, 3, 0, VG_SELF_MAP)        \
	X(MAP_LOOKUP_AND_DELETE_ELEM, 21, 0, VG_SELF_MAP) X(MAP_FREEZE, 22, 0, VG_SELF_MAP) \
	X(MAP_UPDATE_BATCH, 26, 36, VG_SELF_MAP) X(MAP_DELETE_BATCH, 27, 36, VG_SELF_MAP)  \
	X(PROG_DETACH, 9, 4, VG_SELF_PROG) X(LINK_UPDATE, 29, 0, VG_SELF_LINK)             \
	X(LINK_DETACH, 34, 0, VG_SELF_LINK)

/* X(via, si_code): signals a process sent, by the si_code the kernel gives them (the
 * kernel's own signals have other codes and are not reported). */
#define VG_SIGNAL_CODES(X) X(kill, 0) X(sigqueue, -1) X(tkill, -6)

enum {
#define VG_PTRACE_ENUM(name, value) VG_PTRACE_##name = value,
	VG_PTRACE_REQUESTS(VG_PTRACE_ENUM)
#undef VG_PTRACE_ENUM
#define VG_PRCTL_ENUM(name, value, from_prctl) VG_##name = value,
	VG_PRCTL_OPTIONS(VG_PRCTL_ENUM)
#undef VG_PRCTL_ENUM
#define VG_BPF_ENUM(name, value, fd_at, kind) VG_BPF_##name = value,
	VG_BPF_CMDS(VG_BPF_ENUM)
#undef VG_BPF_ENUM
#define VG_SI_ENUM(via, code) VG_SI_##via = code,
	VG_SIGNAL_CODES(VG_SI_ENUM)
#undef VG_SI_ENUM
};

struct vg_ptrace {
	__s64 request;
	__u64 addr;
	__u32 target_pid; /* the pid argument, as the caller sees it */
	__u32 pad;
};

struct vg_setsid {
	__u32 sid; /* session after the call (the new one on success) */
	__u32 pgid;
};

/* prctl: PR_SET_NAME from task:task_rename (also /proc/PID/comm writes), the other options
 * of interest from sys_exit_prctl. */
struct vg_prctl {
	__u32 option;     /* PR_* (15 = PR_SET_NAME) */
	__u32 target_tid; /* the renamed thread (differs from the caller via /proc/PID/comm) */
	__u64 arg2;
	char old_name[VG_COMM_LEN];
	char new_name[VG_COMM_LEN];
};

/* The classic mount(2), umount2 and the new mount API share one body. */
enum vg_mount_op {
	VG_MOUNT_MOUNT = 1,
	VG_MOUNT_UMOUNT,
	VG_MOUNT_FSOPEN,
	VG_MOUNT_FSCONFIG, /* FSCONFIG_CMD_CREATE / _EXCL / _RECONFIGURE only */
	VG_MOUNT_FSMOUNT,
	VG_MOUNT_MOVE_MOUNT,
	VG_MOUNT_OPEN_TREE,
};

struct vg_mount {
	__u32 op;     /* enum vg_mount_op */
	__u32 flags;  /* the call's flags (MS_*, MNT_*, FSOPEN_*, MOVE_MOUNT_*, OPEN_TREE_*) */
	__u32 from_kernel; /* 1 when source/fstype/path come from kernel state, 0 from user memory */
	__u32 pad;
	struct vg_str source;
	struct vg_str path;
	struct vg_str fstype;
	struct vg_str data;
};

enum vg_module_op { VG_MODULE_INIT = 1, VG_MODULE_FINIT };

struct vg_module {
	__u32 op;    /* enum vg_module_op */
	__u32 flags; /* finit_module flags */
	__u64 len;   /* init_module image length */
	struct vg_str path; /* finit_module: the file behind fd */
	struct vg_str args;
};

enum vg_cred_call { VG_CRED_SETUID = 1, VG_CRED_SETREUID, VG_CRED_SETRESUID, VG_CRED_SETFSUID };

struct vg_cred {
	__u32 call; /* enum vg_cred_call */
	__u32 old_uid, old_euid, old_fsuid;
	__u32 new_uid, new_euid, new_fsuid;
	__u32 pad;
};

enum vg_privesc_reason {
	VG_PRIVESC_EXEC = 1, /* exec ran with root/caps the baseline lacked, not from a setuid/fcaps exec */
	VG_PRIVESC_SETID,    /* a set*uid call found the caller already holding root it never obtained */
};

enum vg_privesc_base { VG_BASE_SELF = 1, VG_BASE_PARENT_RECORD, VG_BASE_PARENT_NOW };

struct vg_privesc {
	__u32 reason;   /* enum vg_privesc_reason */
	__u32 baseline; /* enum vg_privesc_base: where the expected credentials came from */
	__u32 base_uid, base_euid;
	__u64 base_caps; /* permitted capabilities */
	__u32 uid, euid;
	__u64 caps;
	__u32 exe_setuid_root; /* the executed file is setuid and owned by root */
	__u32 secureexec;      /* the kernel marked the exec privilege-raising (AT_SECURE) */
	struct vg_str exe;
};

struct vg_umh {
	struct vg_str exe;
	struct vg_str argv; /* NUL-separated */
	__u32 parent_pid;   /* the kernel thread that spawned it */
	__u32 pad;
	char parent_comm[VG_COMM_LEN];
};

struct vg_signal {
	__u32 target_pid;
	__u32 target_tid;
	__s32 sig;
	__s32 result; /* TRACE_SIGNAL_*: 0 delivered, 1 ignored, 2 already pending, 3 overflow, 4 lose info */
	__s32 code;   /* si_code: 0 kill, -1 sigqueue, -6 tkill/tgkill */
	__u32 group;  /* sent to the whole thread group */
	char target_comm[VG_COMM_LEN];
};

struct vg_bpf {
	__u32 cmd;
	__u32 type;      /* prog type (PROG_LOAD) or map type (MAP_CREATE) */
	__u32 count;     /* insn count (PROG_LOAD) or max entries (MAP_CREATE) */
	__u32 attach_type;
	__u32 prog_id;   /* id of the loaded program, on success */
	__u32 object_id; /* calls on the agent's objects: the map, program or link id */
	char name[16];   /* ... and its name (a link's: its program's) */
};

struct vg_cap {
	__s32 cap;
	__s32 ret;     /* 0 granted, -EPERM denied */
	__u32 ns_level; /* level of the user namespace checked against (0 = initial) */
	__u32 pad;
	__u64 count;   /* checks of this cap by this process since the last report */
};

/* unshare and setns. */
struct vg_ns {
	__u64 flags;  /* unshare flags, or setns nstype */
	__s32 fd;     /* setns fd */
	__u32 inum;   /* setns: inode number of the namespace behind fd */
	struct vg_str fd_type; /* setns: "mnt", "net", ... or "pidfd" */
	__u32 pad;
};

struct vg_pvm {
	__u32 target_pid;
	__u32 write; /* 1 process_vm_writev, 0 process_vm_readv */
	__u64 liovcnt, riovcnt;
	__s64 bytes; /* the result */
};

struct vg_uring {
	__s32 fd;
	__u32 sq_entries, cq_entries, flags;
};

struct vg_cgroup_mkdir {
	struct vg_str path;
	__u32 hierarchy;
	__u32 level;
	__u64 id;
};

enum vg_sys32_source { VG_SYS32_EXEC = 1, VG_SYS32_SYSCALL };

struct vg_sys32 {
	__u32 source;  /* enum vg_sys32_source */
	__s32 nr;      /* ia32 syscall number (source syscall) */
	__u64 count;   /* compat syscalls by this process since its last report */
	__u32 machine; /* ELF e_machine (source exec): 3 = i386, 62 = x86-64 (x32) */
	__u32 pad;
	struct vg_str exe;
};

#endif

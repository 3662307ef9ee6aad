/* decode/priv.c — privilege, process-control and kernel events (bpf/sensor/priv.bpf.c): ptrace,
 * setsid, prctl, mount/umount, load_module, update_cred, privilege_escalation,
 * usermode_helper, kill, bpf, capability, unshare/setns, process_vm_writev/readv,
 * io_uring_setup, cgroup_mkdir and syscall32.
 *
 * Numbers stay numbers (rules compare them); well-known values also get a name field.
 * A target process (ptrace, kill, process_vm_*) is named from the process table when it
 * is known there. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "decode/decode.h"
#include "priv_event.h"
#include "proc/procfs.h"

enum {
	F_PT_REQUEST, F_PT_REQUEST_NAME, F_PT_TARGET_PID, F_PT_TARGET_EXE, F_PT_ADDR,
	F_SS_SID, F_SS_PGID,
	F_PR_OPTION, F_PR_OPTION_NAME, F_PR_ARG2, F_PR_OLD_NAME, F_PR_NEW_NAME, F_PR_TARGET_TID,
	F_MT_OP, F_MT_FLAGS, F_MT_FLAG_NAMES, F_MT_SOURCE, F_MT_PATH, F_MT_FSTYPE, F_MT_DATA, F_MT_FROM_KERNEL,
	F_MOD_OP, F_MOD_PATH, F_MOD_ARGS, F_MOD_LEN, F_MOD_FLAGS,
	F_CR_SYSCALL, F_CR_OLD_UID, F_CR_OLD_EUID, F_CR_OLD_FSUID, F_CR_NEW_UID, F_CR_NEW_EUID, F_CR_NEW_FSUID,
	F_PE_REASON, F_PE_BASELINE, F_PE_BASE_UID, F_PE_BASE_EUID, F_PE_BASE_CAPS, F_PE_UID, F_PE_EUID, F_PE_CAPS,
	F_PE_EXE, F_PE_EXE_SETUID, F_PE_SECUREEXEC,
	F_UMH_EXE, F_UMH_ARGV, F_UMH_PARENT_PID, F_UMH_PARENT_COMM,
	F_SIG_SIGNAL, F_SIG_NAME, F_SIG_TARGET_PID, F_SIG_TARGET_TID, F_SIG_TARGET_COMM, F_SIG_RESULT, F_SIG_VIA,
	F_SIG_GROUP,
	F_BPF_CMD, F_BPF_PROG_TYPE, F_BPF_MAP_TYPE, F_BPF_INSN_CNT, F_BPF_MAX_ENTRIES, F_BPF_ATTACH_TYPE,
	F_BPF_NAME, F_BPF_PROG_ID, F_BPF_OBJECT_ID,
	F_CAP_CAP, F_CAP_NAME, F_CAP_GRANTED, F_CAP_NS_LEVEL, F_CAP_COUNT,
	F_NS_FLAGS, F_NS_FLAG_NAMES, F_NS_FD, F_NS_FD_TYPE, F_NS_INUM, F_NS_IS_HOST,
	F_PVM_OP, F_PVM_TARGET_PID, F_PVM_TARGET_EXE, F_PVM_BYTES, F_PVM_LIOVCNT, F_PVM_RIOVCNT,
	F_UR_FD, F_UR_SQ, F_UR_CQ, F_UR_FLAGS,
	F_CG_PATH, F_CG_HIERARCHY, F_CG_LEVEL, F_CG_ID,
	F_S32_SOURCE, F_S32_NR, F_S32_COUNT, F_S32_MACHINE, F_S32_EXE,
	F_COUNT
};

static const struct vg_field fields[F_COUNT] = {
	[F_PT_REQUEST] = { "ptrace.request", VG_V_INT, "PTRACE_* request number" },
	[F_PT_REQUEST_NAME] = { "ptrace.request_name", VG_V_STR,
				"the request by name: TRACEME, POKETEXT, POKEDATA, POKEUSER, SETREGS, SETFPREGS, "
				"ATTACH, SETREGSET or SEIZE (the only ones reported)" },
	[F_PT_TARGET_PID] = { "ptrace.target_pid", VG_V_INT, "the pid argument (0 for TRACEME)" },
	[F_PT_TARGET_EXE] = { "ptrace.target_exe", VG_V_STR, "executable of the target, when vigil knows the process" },
	[F_PT_ADDR] = { "ptrace.addr", VG_V_INT, "the addr argument (the address POKE* writes to)" },
	[F_SS_SID] = { "setsid.sid", VG_V_INT, "session id after the call (the new session on success)" },
	[F_SS_PGID] = { "setsid.pgid", VG_V_INT, "process group after the call" },
	[F_PR_OPTION] = { "prctl.option", VG_V_INT, "PR_* option number (15 = PR_SET_NAME)" },
	[F_PR_OPTION_NAME] = { "prctl.option_name", VG_V_STR, "the option by name, e.g. PR_SET_NAME, PR_SET_DUMPABLE" },
	[F_PR_ARG2] = { "prctl.arg2", VG_V_INT,
			"second argument (PR_SET_DUMPABLE: 0/1, PR_SET_SECCOMP: mode, PR_CAPBSET_DROP: cap, ...)" },
	[F_PR_OLD_NAME] = { "prctl.old_name", VG_V_STR, "PR_SET_NAME: the thread's name before" },
	[F_PR_NEW_NAME] = { "prctl.new_name", VG_V_STR, "PR_SET_NAME: the new name" },
	[F_PR_TARGET_TID] = { "prctl.target_tid", VG_V_INT,
			      "the renamed thread (another thread when renamed through /proc/PID/comm)" },
	[F_MT_OP] = { "mount.op", VG_V_STR,
		      "the call: mount, umount, fsopen, fsconfig (create/reconfigure), fsmount, move_mount, open_tree" },
	[F_MT_FLAGS] = { "mount.flags", VG_V_INT,
			 "the call's flags: MS_* (mount), MNT_* (umount), FSCONFIG_CMD_* (fsconfig), MOUNT_ATTR_* "
			 "(fsmount), MOVE_MOUNT_* (move_mount), OPEN_TREE_* (open_tree)" },
	[F_MT_FLAG_NAMES] = { "mount.flag_names", VG_V_STR, "mount(2) MS_* and umount2 MNT_* flags by name" },
	[F_MT_SOURCE] = { "mount.source", VG_V_STR, "source device or name (move_mount: the source mount's device)" },
	[F_MT_PATH] = { "mount.path", VG_V_STR, "mount point (move_mount: where the mount now is)" },
	[F_MT_FSTYPE] = { "mount.fstype", VG_V_STR, "filesystem type" },
	[F_MT_DATA] = { "mount.data", VG_V_STR, "mount(2) options string (e.g. overlay lowerdir=...), bounded to 512 bytes" },
	[F_MT_FROM_KERNEL] = { "mount.from_kernel", VG_V_BOOL,
			       "true when source/fstype/path were read from kernel state (fs_context or mount of "
			       "an fd), false when read from the caller's memory" },
	[F_MOD_OP] = { "module.op", VG_V_STR, "init_module or finit_module" },
	[F_MOD_PATH] = { "module.path", VG_V_STR, "finit_module: the file behind the fd" },
	[F_MOD_ARGS] = { "module.args", VG_V_STR, "module parameters" },
	[F_MOD_LEN] = { "module.len", VG_V_INT, "init_module: image length" },
	[F_MOD_FLAGS] = { "module.flags", VG_V_INT, "finit_module: MODULE_INIT_* flags" },
	[F_CR_SYSCALL] = { "cred.syscall", VG_V_STR, "setuid, setreuid, setresuid or setfsuid" },
	[F_CR_OLD_UID] = { "cred.old_uid", VG_V_INT, "real uid before the call" },
	[F_CR_OLD_EUID] = { "cred.old_euid", VG_V_INT, "effective uid before the call" },
	[F_CR_OLD_FSUID] = { "cred.old_fsuid", VG_V_INT, "filesystem uid before the call" },
	[F_CR_NEW_UID] = { "cred.new_uid", VG_V_INT, "real uid after the call" },
	[F_CR_NEW_EUID] = { "cred.new_euid", VG_V_INT, "effective uid after the call" },
	[F_CR_NEW_FSUID] = { "cred.new_fsuid", VG_V_INT, "filesystem uid after the call" },
	[F_PE_REASON] = { "privesc.reason", VG_V_STR,
			  "exec: an exec ran with root or capabilities its baseline lacked, not granted by a setuid "
			  "or file-capability exec; setid: a set*uid call found the caller already holding root "
			  "it never obtained through a tracked path" },
	[F_PE_BASELINE] = { "privesc.baseline", VG_V_STR,
			    "what the credentials were compared with: self (the process at its last exec or "
			    "set*uid), parent (the parent's record), parent_now (the parent's credentials now)" },
	[F_PE_BASE_UID] = { "privesc.base_uid", VG_V_INT, "baseline (parent or earlier self) real uid" },
	[F_PE_BASE_EUID] = { "privesc.base_euid", VG_V_INT, "baseline effective uid" },
	[F_PE_BASE_CAPS] = { "privesc.base_caps", VG_V_INT, "baseline permitted capabilities (bit mask)" },
	[F_PE_UID] = { "privesc.uid", VG_V_INT, "the process's real uid now" },
	[F_PE_EUID] = { "privesc.euid", VG_V_INT, "the process's effective uid now" },
	[F_PE_CAPS] = { "privesc.caps", VG_V_INT, "the process's permitted capabilities now (bit mask)" },
	[F_PE_EXE] = { "privesc.exe", VG_V_STR, "reason exec: the executed file" },
	[F_PE_EXE_SETUID] = { "privesc.exe_setuid_root", VG_V_BOOL, "the executed file is setuid and owned by root" },
	[F_PE_SECUREEXEC] = { "privesc.secureexec", VG_V_BOOL, "the kernel marked the exec privilege-raising" },
	[F_UMH_EXE] = { "umh.exe", VG_V_STR, "the helper's executable" },
	[F_UMH_ARGV] = { "umh.argv", VG_V_LIST, "the helper's arguments" },
	[F_UMH_PARENT_PID] = { "umh.parent_pid", VG_V_INT, "the kernel thread that started it" },
	[F_UMH_PARENT_COMM] = { "umh.parent_comm", VG_V_STR, "that kernel thread's name (e.g. kthreadd, kworker/...)" },
	[F_SIG_SIGNAL] = { "sig.signal", VG_V_INT, "signal number" },
	[F_SIG_NAME] = { "sig.name", VG_V_STR, "signal name, e.g. SIGKILL" },
	[F_SIG_TARGET_PID] = { "sig.target_pid", VG_V_INT, "process the signal was sent to" },
	[F_SIG_TARGET_TID] = { "sig.target_tid", VG_V_INT, "thread the signal was queued on" },
	[F_SIG_TARGET_COMM] = { "sig.target_comm", VG_V_STR, "the target thread's name" },
	[F_SIG_RESULT] = { "sig.result", VG_V_STR,
			   "delivered, ignored, already_pending, overflow_fail or lose_info" },
	[F_SIG_VIA] = { "sig.via", VG_V_STR, "kill (kill/pidfd_send_signal), sigqueue, or tkill (tkill/tgkill)" },
	[F_SIG_GROUP] = { "sig.group", VG_V_BOOL, "sent to the whole thread group (not one thread)" },
	[F_BPF_CMD] = { "bpf.cmd", VG_V_STR,
			"MAP_CREATE, PROG_LOAD, PROG_ATTACH, RAW_TRACEPOINT_OPEN or LINK_CREATE; and, only when the call acts "
			"on one of vigil's own objects (evt.at_agent): MAP_UPDATE_ELEM, MAP_DELETE_ELEM, "
			"MAP_LOOKUP_AND_DELETE_ELEM, MAP_FREEZE, MAP_UPDATE_BATCH, MAP_DELETE_BATCH, PROG_DETACH, "
			"LINK_UPDATE, LINK_DETACH" },
	[F_BPF_PROG_TYPE] = { "bpf.prog_type", VG_V_STR, "PROG_LOAD: program type, e.g. kprobe, tracing, lsm, xdp" },
	[F_BPF_MAP_TYPE] = { "bpf.map_type", VG_V_STR, "MAP_CREATE: map type, e.g. hash, ringbuf" },
	[F_BPF_INSN_CNT] = { "bpf.insn_cnt", VG_V_INT, "PROG_LOAD: instructions" },
	[F_BPF_MAX_ENTRIES] = { "bpf.max_entries", VG_V_INT, "MAP_CREATE: max entries" },
	[F_BPF_ATTACH_TYPE] = { "bpf.attach_type", VG_V_STR,
				"PROG_LOAD expected / PROG_ATTACH / LINK_CREATE attach type" },
	[F_BPF_NAME] = { "bpf.name", VG_V_STR,
			 "program or map name (RAW_TRACEPOINT_OPEN: the tracepoint, first 15 bytes)" },
	[F_BPF_PROG_ID] = { "bpf.prog_id", VG_V_INT, "PROG_LOAD: id of the loaded program (bpftool prog show id N)" },
	[F_BPF_OBJECT_ID] = { "bpf.object_id", VG_V_INT,
			      "a call on one of vigil's objects: the map, program or link id (bpf.name: its name, a "
			      "link's program's)" },
	[F_CAP_CAP] = { "cap.cap", VG_V_INT, "capability number" },
	[F_CAP_NAME] = { "cap.name", VG_V_STR, "capability name, e.g. CAP_SYS_ADMIN" },
	[F_CAP_GRANTED] = { "cap.granted", VG_V_BOOL, "the check succeeded" },
	[F_CAP_NS_LEVEL] = { "cap.ns_level", VG_V_INT, "user namespace level checked against (0 = the host's)" },
	[F_CAP_COUNT] = { "cap.count", VG_V_INT,
			  "checks of this capability with this verdict by the process that this report stands for "
			  "(one report per 10 s)" },
	[F_NS_FLAGS] = { "ns.flags", VG_V_INT, "unshare: CLONE_* flags; setns: the nstype argument (0 = any)" },
	[F_NS_FLAG_NAMES] = { "ns.flag_names", VG_V_STR, "those flags by name, e.g. CLONE_NEWNS|CLONE_NEWUSER" },
	[F_NS_FD] = { "ns.fd", VG_V_INT, "setns: the fd argument" },
	[F_NS_FD_TYPE] = { "ns.fd_type", VG_V_STR, "setns: what the fd is: mnt, net, uts, ipc, pid, user, cgroup, time "
						  "(a namespace file) or pidfd" },
	[F_NS_INUM] = { "ns.inum", VG_V_INT, "setns: inode number of the namespace joined (as in /proc/PID/ns)" },
	[F_NS_IS_HOST] = { "ns.is_host", VG_V_BOOL,
			   "setns: the namespace joined is the agent's own of that type (the host's, for an agent "
			   "on the host); absent for a pidfd" },
	[F_PVM_OP] = { "pvm.op", VG_V_STR, "write (process_vm_writev) or read (process_vm_readv)" },
	[F_PVM_TARGET_PID] = { "pvm.target_pid", VG_V_INT, "the process whose memory was accessed" },
	[F_PVM_TARGET_EXE] = { "pvm.target_exe", VG_V_STR, "its executable, when vigil knows the process" },
	[F_PVM_BYTES] = { "pvm.bytes", VG_V_INT, "bytes transferred (the result; negative errno on failure)" },
	[F_PVM_LIOVCNT] = { "pvm.liovcnt", VG_V_INT, "local iovec count" },
	[F_PVM_RIOVCNT] = { "pvm.riovcnt", VG_V_INT, "remote iovec count" },
	[F_UR_FD] = { "uring.fd", VG_V_INT, "the io_uring instance's fd" },
	[F_UR_SQ] = { "uring.sq_entries", VG_V_INT, "submission queue entries" },
	[F_UR_CQ] = { "uring.cq_entries", VG_V_INT, "completion queue entries" },
	[F_UR_FLAGS] = { "uring.flags", VG_V_INT, "IORING_SETUP_* flags" },
	[F_CG_PATH] = { "cgroup.path", VG_V_STR, "path of the new cgroup within its hierarchy" },
	[F_CG_HIERARCHY] = { "cgroup.hierarchy", VG_V_INT, "hierarchy id (0 = the cgroup v2 hierarchy)" },
	[F_CG_LEVEL] = { "cgroup.level", VG_V_INT, "depth below the hierarchy's root" },
	[F_CG_ID] = { "cgroup.id", VG_V_INT, "cgroup id (the kernfs inode number)" },
	[F_S32_SOURCE] = { "sys32.source", VG_V_STR,
			   "exec: a 32-bit ELF was executed; syscall: a 32-bit (ia32) syscall was made" },
	[F_S32_NR] = { "sys32.nr", VG_V_INT, "source syscall: the ia32 syscall number (e.g. 20 getpid, 5 open)" },
	[F_S32_COUNT] = { "sys32.count", VG_V_INT,
			  "source syscall: ia32 syscalls by this process that the report stands for (one report "
			  "per process per 10 s)" },
	[F_S32_MACHINE] = { "sys32.machine", VG_V_INT, "source exec: ELF e_machine (3 = i386, 62 = x86-64 x32)" },
	[F_S32_EXE] = { "sys32.exe", VG_V_STR, "the process's executable" },
};

static void add_cstr(struct vg_event *ev, int f, const char *s)
{
	if (s && *s)
		vg_event_add_str(ev, &fields[f], s, strlen(s));
}

/* A fixed char array from the record, NUL-terminated or not. */
static void add_chars(struct vg_event *ev, int f, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n)
		vg_event_add_str(ev, &fields[f], s, n);
}

static void add_target_exe(struct vg_event *ev, struct vg_proctable *pt, int f, uint32_t pid)
{
	struct vg_proc *p = pid ? vg_proctable_get(pt, (pid_t)pid) : NULL;

	if (p)
		add_cstr(ev, f, p->exe);
}

/* ---- ptrace, setsid, prctl ------------------------------------------------------- */

static const char *ptrace_request_name(long long req)
{
	switch (req) {
#define VG_PTRACE_NAME(name, value) case value: return #name;
		VG_PTRACE_REQUESTS(VG_PTRACE_NAME)
#undef VG_PTRACE_NAME
	}
	return NULL;
}

static int decode_ptrace(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_ptrace *p = body;

	vg_event_add_int(ev, &fields[F_PT_REQUEST], p->request);
	add_cstr(ev, F_PT_REQUEST_NAME, ptrace_request_name(p->request));
	vg_event_add_int(ev, &fields[F_PT_TARGET_PID], p->target_pid);
	add_target_exe(ev, pt, F_PT_TARGET_EXE, p->target_pid);
	vg_event_add_int(ev, &fields[F_PT_ADDR], (int64_t)p->addr);
	return 0;
}

static int decode_setsid(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_setsid *s = body;

	vg_event_add_int(ev, &fields[F_SS_SID], s->sid);
	vg_event_add_int(ev, &fields[F_SS_PGID], s->pgid);
	if (ev->raw->ret >= 0)
		ev->proc->sid = ev->proc->pgid = ev->raw->ret;
	return 0;
}

static const char *prctl_option_name(unsigned option)
{
	switch (option) {
#define VG_PRCTL_NAME(name, value, from_prctl) case value: return #name;
		VG_PRCTL_OPTIONS(VG_PRCTL_NAME)
#undef VG_PRCTL_NAME
	}
	return NULL;
}

static int decode_prctl(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_prctl *p = body;

	vg_event_add_int(ev, &fields[F_PR_OPTION], p->option);
	add_cstr(ev, F_PR_OPTION_NAME, prctl_option_name(p->option));
	if (p->option == VG_PR_SET_NAME) {
		add_chars(ev, F_PR_OLD_NAME, p->old_name, sizeof(p->old_name));
		add_chars(ev, F_PR_NEW_NAME, p->new_name, sizeof(p->new_name));
	} else {
		vg_event_add_int(ev, &fields[F_PR_ARG2], (int64_t)p->arg2);
	}
	vg_event_add_int(ev, &fields[F_PR_TARGET_TID], p->target_tid);
	return 0;
}

/* ---- mount --------------------------------------------------------------------------- */

static const struct vg_flag_name ms_flags[] = {
	{ 1, "MS_RDONLY" },         { 2, "MS_NOSUID" },       { 4, "MS_NODEV" },     { 8, "MS_NOEXEC" },
	{ 16, "MS_SYNCHRONOUS" },   { 32, "MS_REMOUNT" },     { 64, "MS_MANDLOCK" }, { 128, "MS_DIRSYNC" },
	{ 256, "MS_NOSYMFOLLOW" },  { 1024, "MS_NOATIME" },   { 2048, "MS_NODIRATIME" },
	{ 4096, "MS_BIND" },        { 8192, "MS_MOVE" },      { 16384, "MS_REC" },   { 32768, "MS_SILENT" },
	{ 1 << 16, "MS_POSIXACL" }, { 1 << 17, "MS_UNBINDABLE" }, { 1 << 18, "MS_PRIVATE" },
	{ 1 << 19, "MS_SLAVE" },    { 1 << 20, "MS_SHARED" }, { 1 << 21, "MS_RELATIME" },
	{ 1 << 22, "MS_KERNMOUNT" }, { 1 << 23, "MS_I_VERSION" }, { 1 << 24, "MS_STRICTATIME" },
	{ 1 << 25, "MS_LAZYTIME" }, { 0xc0ed0000u, "MS_MGC_VAL" }, { 0, NULL },
};

static const struct vg_flag_name umount_flags[] = {
	{ 1, "MNT_FORCE" }, { 2, "MNT_DETACH" }, { 4, "MNT_EXPIRE" }, { 8, "UMOUNT_NOFOLLOW" }, { 0, NULL },
};

static const char *const mount_ops[] = {
	[VG_MOUNT_MOUNT] = "mount",       [VG_MOUNT_UMOUNT] = "umount",         [VG_MOUNT_FSOPEN] = "fsopen",
	[VG_MOUNT_FSCONFIG] = "fsconfig", [VG_MOUNT_FSMOUNT] = "fsmount",       [VG_MOUNT_MOVE_MOUNT] = "move_mount",
	[VG_MOUNT_OPEN_TREE] = "open_tree",
};

static int decode_mount(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_mount *m = body;

	if (m->op < VG_MOUNT_MOUNT || m->op > VG_MOUNT_OPEN_TREE)
		return -1;
	add_cstr(ev, F_MT_OP, mount_ops[m->op]);
	vg_event_add_int(ev, &fields[F_MT_FLAGS], m->flags);
	if (m->op == VG_MOUNT_MOUNT)
		vg_add_flag_names(ev, &fields[F_MT_FLAG_NAMES], m->flags, ms_flags, NULL);
	else if (m->op == VG_MOUNT_UMOUNT)
		vg_add_flag_names(ev, &fields[F_MT_FLAG_NAMES], m->flags, umount_flags, NULL);
	vg_add_raw_str(ev, &fields[F_MT_SOURCE], m->source);
	if (m->from_kernel)
		vg_add_path(ev, &fields[F_MT_PATH], m->path, true, NULL);
	else
		vg_add_raw_str(ev, &fields[F_MT_PATH], m->path);
	vg_add_raw_str(ev, &fields[F_MT_FSTYPE], m->fstype);
	vg_add_raw_str(ev, &fields[F_MT_DATA], m->data);
	vg_event_add_bool(ev, &fields[F_MT_FROM_KERNEL], m->from_kernel != 0);
	return 0;
}

/* ---- load_module ---------------------------------------------------------------------- */

static int decode_module(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_module *m = body;

	add_cstr(ev, F_MOD_OP, m->op == VG_MODULE_FINIT ? "finit_module" : "init_module");
	vg_add_path(ev, &fields[F_MOD_PATH], m->path, true, NULL);
	vg_add_raw_str(ev, &fields[F_MOD_ARGS], m->args);
	if (m->op == VG_MODULE_INIT)
		vg_event_add_int(ev, &fields[F_MOD_LEN], (int64_t)m->len);
	else
		vg_event_add_int(ev, &fields[F_MOD_FLAGS], m->flags);
	return 0;
}

/* ---- credentials ------------------------------------------------------------------------ */

static int decode_cred(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char *const calls[] = {
		[VG_CRED_SETUID] = "setuid", [VG_CRED_SETREUID] = "setreuid",
		[VG_CRED_SETRESUID] = "setresuid", [VG_CRED_SETFSUID] = "setfsuid",
	};
	const struct vg_cred *c = body;

	if (c->call < VG_CRED_SETUID || c->call > VG_CRED_SETFSUID)
		return -1;
	add_cstr(ev, F_CR_SYSCALL, calls[c->call]);
	vg_event_add_int(ev, &fields[F_CR_OLD_UID], c->old_uid);
	vg_event_add_int(ev, &fields[F_CR_OLD_EUID], c->old_euid);
	vg_event_add_int(ev, &fields[F_CR_OLD_FSUID], c->old_fsuid);
	vg_event_add_int(ev, &fields[F_CR_NEW_UID], c->new_uid);
	vg_event_add_int(ev, &fields[F_CR_NEW_EUID], c->new_euid);
	vg_event_add_int(ev, &fields[F_CR_NEW_FSUID], c->new_fsuid);
	return 0;
}

static int decode_privesc(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char *const bases[] = {
		[VG_BASE_SELF] = "self", [VG_BASE_PARENT_RECORD] = "parent", [VG_BASE_PARENT_NOW] = "parent_now",
	};
	const struct vg_privesc *p = body;

	if (p->baseline < VG_BASE_SELF || p->baseline > VG_BASE_PARENT_NOW)
		return -1;
	add_cstr(ev, F_PE_REASON, p->reason == VG_PRIVESC_EXEC ? "exec" : "setid");
	add_cstr(ev, F_PE_BASELINE, bases[p->baseline]);
	vg_event_add_int(ev, &fields[F_PE_BASE_UID], p->base_uid);
	vg_event_add_int(ev, &fields[F_PE_BASE_EUID], p->base_euid);
	vg_event_add_int(ev, &fields[F_PE_BASE_CAPS], (int64_t)p->base_caps);
	vg_event_add_int(ev, &fields[F_PE_UID], p->uid);
	vg_event_add_int(ev, &fields[F_PE_EUID], p->euid);
	vg_event_add_int(ev, &fields[F_PE_CAPS], (int64_t)p->caps);
	if (p->reason == VG_PRIVESC_EXEC) {
		vg_add_path(ev, &fields[F_PE_EXE], p->exe, true, NULL);
		vg_event_add_bool(ev, &fields[F_PE_EXE_SETUID], p->exe_setuid_root != 0);
		vg_event_add_bool(ev, &fields[F_PE_SECUREEXEC], p->secureexec != 0);
	}
	return 0;
}

/* ---- usermode helper --------------------------------------------------------------------- */

static int decode_umh(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_umh *u = body;
	const char *argv;
	size_t len;

	vg_add_path(ev, &fields[F_UMH_EXE], u->exe, true, NULL);
	if (vg_raw_bytes(ev, u->argv, &argv, &len)) {
		struct vg_value v = { .type = VG_V_LIST, .str = { argv, len } };

		vg_event_add(ev, &fields[F_UMH_ARGV], v);
	}
	vg_event_add_int(ev, &fields[F_UMH_PARENT_PID], u->parent_pid);
	add_chars(ev, F_UMH_PARENT_COMM, u->parent_comm, sizeof(u->parent_comm));
	return 0;
}

/* ---- signals -------------------------------------------------------------------------------- */

static const char *signal_via(int code)
{
	switch (code) {
#define VG_SI_VIA(via, value) case value: return #via;
		VG_SIGNAL_CODES(VG_SI_VIA)
#undef VG_SI_VIA
	}
	return NULL;
}

static int decode_signal(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char *const results[] = { "delivered", "ignored", "already_pending", "overflow_fail",
					       "lose_info" };
	const struct vg_signal *s = body;
	const char *abbrev = sigabbrev_np(s->sig);
	char name[32];

	vg_event_add_int(ev, &fields[F_SIG_SIGNAL], s->sig);
	if (abbrev) {
		int n = snprintf(name, sizeof(name), "SIG%s", abbrev);
		const char *kept = vg_event_keep(ev, name, (size_t)n);

		if (kept)
			vg_event_add_str(ev, &fields[F_SIG_NAME], kept, (size_t)n);
	}
	vg_event_add_int(ev, &fields[F_SIG_TARGET_PID], s->target_pid);
	vg_event_add_int(ev, &fields[F_SIG_TARGET_TID], s->target_tid);
	add_chars(ev, F_SIG_TARGET_COMM, s->target_comm, sizeof(s->target_comm));
	if (s->result >= 0 && s->result < (int)(sizeof(results) / sizeof(results[0])))
		add_cstr(ev, F_SIG_RESULT, results[s->result]);
	add_cstr(ev, F_SIG_VIA, signal_via(s->code));
	vg_event_add_bool(ev, &fields[F_SIG_GROUP], s->group != 0);
	return 0;
}

/* ---- bpf() ---------------------------------------------------------------------------------- */

static const char *bpf_cmd_name(unsigned cmd)
{
	switch (cmd) {
#define VG_BPF_NAME(name, value, fd_at, kind) case value: return #name;
		VG_BPF_CMDS(VG_BPF_NAME)
#undef VG_BPF_NAME
	}
	return NULL;
}

static int decode_bpf(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_bpf *b = body;
	const char *attach, *cmd;

	cmd = bpf_cmd_name(b->cmd);
	if (!cmd)
		return -1;
	add_cstr(ev, F_BPF_CMD, cmd);
	if (b->cmd == VG_BPF_MAP_CREATE) {
		add_cstr(ev, F_BPF_MAP_TYPE, libbpf_bpf_map_type_str(b->type));
		vg_event_add_int(ev, &fields[F_BPF_MAX_ENTRIES], b->count);
	} else if (b->cmd == VG_BPF_PROG_LOAD) {
		add_cstr(ev, F_BPF_PROG_TYPE, libbpf_bpf_prog_type_str(b->type));
		vg_event_add_int(ev, &fields[F_BPF_INSN_CNT], b->count);
	}
	attach = libbpf_bpf_attach_type_str(b->attach_type);
	if (b->cmd == VG_BPF_PROG_ATTACH || b->cmd == VG_BPF_LINK_CREATE ||
	    (b->cmd == VG_BPF_PROG_LOAD && b->attach_type))
		add_cstr(ev, F_BPF_ATTACH_TYPE, attach);
	add_chars(ev, F_BPF_NAME, b->name, sizeof(b->name));
	if (b->cmd == VG_BPF_PROG_LOAD && ev->raw->ret >= 0)
		vg_event_add_int(ev, &fields[F_BPF_PROG_ID], b->prog_id);
	if (b->object_id)
		vg_event_add_int(ev, &fields[F_BPF_OBJECT_ID], b->object_id);
	return 0;
}

/* ---- capability ----------------------------------------------------------------------------- */

static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
	"CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

const char *vg_cap_name(int cap)
{
	return cap >= 0 && cap < (int)(sizeof(cap_names) / sizeof(cap_names[0])) ? cap_names[cap] : NULL;
}

static int decode_cap(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_cap *c = body;

	vg_event_add_int(ev, &fields[F_CAP_CAP], c->cap);
	if (vg_cap_name(c->cap))
		add_cstr(ev, F_CAP_NAME, vg_cap_name(c->cap));
	vg_event_add_bool(ev, &fields[F_CAP_GRANTED], c->ret == 0);
	vg_event_add_int(ev, &fields[F_CAP_NS_LEVEL], c->ns_level);
	vg_event_add_int(ev, &fields[F_CAP_COUNT], (int64_t)c->count);
	return 0;
}

/* ---- namespaces ------------------------------------------------------------------------------ */

static const struct vg_flag_name clone_ns_flags[] = {
	{ 0x00000080, "CLONE_NEWTIME" }, { 0x00020000, "CLONE_NEWNS" },   { 0x02000000, "CLONE_NEWCGROUP" },
	{ 0x04000000, "CLONE_NEWUTS" },  { 0x08000000, "CLONE_NEWIPC" },  { 0x10000000, "CLONE_NEWUSER" },
	{ 0x20000000, "CLONE_NEWPID" },  { 0x40000000, "CLONE_NEWNET" },  { 0x00000200, "CLONE_FS" },
	{ 0x00000400, "CLONE_FILES" },   { 0x00040000, "CLONE_SYSVSEM" }, { 0, NULL },
};

static int decode_ns(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_ns *n = body;

	vg_event_add_int(ev, &fields[F_NS_FLAGS], (int64_t)n->flags);
	vg_add_flag_names(ev, &fields[F_NS_FLAG_NAMES], n->flags, clone_ns_flags, NULL);
	if (ev->type == VG_EV_SETNS) {
		vg_event_add_int(ev, &fields[F_NS_FD], n->fd);
		const char *type;
		size_t len;

		vg_add_raw_str(ev, &fields[F_NS_FD_TYPE], n->fd_type);
		if (n->inum) {
			vg_event_add_int(ev, &fields[F_NS_INUM], n->inum);
			if (vg_raw_bytes(ev, n->fd_type, &type, &len))
				vg_event_add_bool(ev, &fields[F_NS_IS_HOST], n->inum == vg_agent_ns_inum(type, len));
		}
	}
	return 0;
}

/* ---- process_vm, io_uring, cgroup, syscall32 --------------------------------------------------- */

static int decode_pvm(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_pvm *p = body;

	add_cstr(ev, F_PVM_OP, p->write ? "write" : "read");
	vg_event_add_int(ev, &fields[F_PVM_TARGET_PID], p->target_pid);
	add_target_exe(ev, pt, F_PVM_TARGET_EXE, p->target_pid);
	vg_event_add_int(ev, &fields[F_PVM_BYTES], p->bytes);
	vg_event_add_int(ev, &fields[F_PVM_LIOVCNT], (int64_t)p->liovcnt);
	vg_event_add_int(ev, &fields[F_PVM_RIOVCNT], (int64_t)p->riovcnt);
	return 0;
}

static int decode_uring(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_uring *u = body;

	vg_event_add_int(ev, &fields[F_UR_FD], u->fd);
	vg_event_add_int(ev, &fields[F_UR_SQ], u->sq_entries);
	vg_event_add_int(ev, &fields[F_UR_CQ], u->cq_entries);
	vg_event_add_int(ev, &fields[F_UR_FLAGS], u->flags);
	return 0;
}

static int decode_cgroup(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_cgroup_mkdir *c = body;

	vg_add_raw_str(ev, &fields[F_CG_PATH], c->path);
	vg_event_add_int(ev, &fields[F_CG_HIERARCHY], c->hierarchy);
	vg_event_add_int(ev, &fields[F_CG_LEVEL], c->level);
	vg_event_add_int(ev, &fields[F_CG_ID], (int64_t)c->id);
	return 0;
}

static int decode_sys32(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_sys32 *s = body;

	if (s->source == VG_SYS32_EXEC) {
		add_cstr(ev, F_S32_SOURCE, "exec");
		vg_event_add_int(ev, &fields[F_S32_MACHINE], s->machine);
	} else {
		add_cstr(ev, F_S32_SOURCE, "syscall");
		vg_event_add_int(ev, &fields[F_S32_NR], s->nr);
		vg_event_add_int(ev, &fields[F_S32_COUNT], (int64_t)s->count);
	}
	vg_add_path(ev, &fields[F_S32_EXE], s->exe, true, NULL);
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_PTRACE, sizeof(struct vg_ptrace), decode_ptrace },
	{ VG_EV_SETSID, sizeof(struct vg_setsid), decode_setsid },
	{ VG_EV_PRCTL, sizeof(struct vg_prctl), decode_prctl },
	{ VG_EV_MOUNT, sizeof(struct vg_mount), decode_mount },
	{ VG_EV_UMOUNT, sizeof(struct vg_mount), decode_mount },
	{ VG_EV_MODULE, sizeof(struct vg_module), decode_module },
	{ VG_EV_CRED, sizeof(struct vg_cred), decode_cred },
	{ VG_EV_PRIVESC, sizeof(struct vg_privesc), decode_privesc },
	{ VG_EV_UMH, sizeof(struct vg_umh), decode_umh },
	{ VG_EV_KILL, sizeof(struct vg_signal), decode_signal },
	{ VG_EV_TKILL, sizeof(struct vg_signal), decode_signal },
	{ VG_EV_TGKILL, sizeof(struct vg_signal), decode_signal },
	{ VG_EV_BPF, sizeof(struct vg_bpf), decode_bpf },
	{ VG_EV_CAPABILITY, sizeof(struct vg_cap), decode_cap },
	{ VG_EV_UNSHARE, sizeof(struct vg_ns), decode_ns },
	{ VG_EV_SETNS, sizeof(struct vg_ns), decode_ns },
	{ VG_EV_PROCESS_VM, sizeof(struct vg_pvm), decode_pvm },
	{ VG_EV_IO_URING, sizeof(struct vg_uring), decode_uring },
	{ VG_EV_CGROUP_MKDIR, sizeof(struct vg_cgroup_mkdir), decode_cgroup },
	{ VG_EV_SYSCALL32, sizeof(struct vg_sys32), decode_sys32 },
};

const struct vg_domain vg_domain_priv = {
	"priv", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};

/* seccomp.bpf.c — `vigil seccomp record`: every syscall a target makes, as a bitmap per ABI
 * (bpf/seccomp_event.h). A standalone object, attached only while someone records, so the
 * per-syscall program costs nothing the rest of the time.
 *
 * The target is a cgroup (its id and level: the task's ancestor at that level is it, so
 * nested cgroups count), or a set of processes (tgids) followed through fork and dropped at
 * exit (a reused pid is not the target); a command vigil starts is armed and recorded from
 * its exec on (sched_process_exec), so vigil's code before the exec is not. For verify, only the fork follower runs and
 * nothing is dropped: the audit records of processes that already exited must still be
 * attributed. */
#include "lib/extract.h"
#include "seccomp_event.h"

const volatile __u64 vg_sc_cgroup_id = 0; /* 0: the target is the tgid set */
const volatile __u32 vg_sc_cgroup_level = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_SECCOMP_PIDS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} vg_seccomp_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_seccomp_seen);
} vg_seccomp_seen SEC(".maps");

static __always_inline struct vg_seccomp_seen *vg_sc_seen(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vg_seccomp_seen, &zero);
}

static __always_inline bool vg_sc_is_target(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	__u8 *state;

	if (vg_sc_cgroup_id)
		return bpf_get_current_ancestor_cgroup_id(vg_sc_cgroup_level) == vg_sc_cgroup_id;
	state = bpf_map_lookup_elem(&vg_seccomp_tgids, &tgid);
	return state && *state == VG_SC_FOLLOWED;
}

static __always_inline int vg_sc_record(long id)
{
	struct task_struct *task;
	struct vg_seccomp_seen *seen;
	__u64 *word, bit;
	__u32 abi;

	if (!vg_sc_is_target() || !(seen = vg_sc_seen()))
		return 0;
	if ((unsigned long)id >= VG_SECCOMP_NR_MAX) {
		__sync_fetch_and_add(&seen->out_of_range, 1);
		return 0;
	}
	task = bpf_get_current_task_btf();
	abi = task->thread_info.status & VG_TS_COMPAT ? VG_SC_ABI_COMPAT : VG_SC_ABI_NATIVE;
	word = &seen->bits[abi & 1][(id / 64) & (VG_SECCOMP_WORDS - 1)];
	bit = 1ull << (id & 63);
	if (!(*word & bit)) /* read first: the atomic only once per syscall number */
		__sync_fetch_and_or(word, bit);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vg_seccomp_record_sys_enter_btf, struct pt_regs *regs, long id)
{
	return vg_sc_record(id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(vg_seccomp_record_sys_enter_raw, struct pt_regs *regs, long id)
{
	return vg_sc_record(id);
}

/* A new process of a followed one is followed from its first instruction: the fork
 * tracepoint runs before the child is woken. */
static __always_inline int vg_sc_fork(struct task_struct *any_parent, struct task_struct *any_child)
{
	struct task_struct *child = VG_CAST(task_struct, any_child);
	__u32 ptgid = VG_CAST(task_struct, any_parent)->tgid, ctgid = child->tgid;
	struct vg_seccomp_seen *seen;
	__u8 *state;

	if (child->pid != ctgid || !(state = bpf_map_lookup_elem(&vg_seccomp_tgids, &ptgid)))
		return 0; /* a thread (its tgid is followed already), or not ours */
	if (bpf_map_update_elem(&vg_seccomp_tgids, &ctgid, state, BPF_ANY) < 0 && (seen = vg_sc_seen()))
		__sync_fetch_and_add(&seen->unfollowed, 1);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_seccomp_record_sched_process_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return vg_sc_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(vg_seccomp_record_sched_process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return vg_sc_fork(parent, child);
}

static __always_inline int vg_sc_exec(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 *state = bpf_map_lookup_elem(&vg_seccomp_tgids, &tgid);

	if (state && *state == VG_SC_ARMED)
		*state = VG_SC_FOLLOWED;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_seccomp_record_sched_process_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_sc_exec();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_seccomp_record_sched_process_exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_sc_exec();
}

static __always_inline int vg_sc_exit(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;

	if (task->signal->live.counter == 0) /* the last thread: the process is gone */
		bpf_map_delete_elem(&vg_seccomp_tgids, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_seccomp_record_sched_process_exit_btf, struct task_struct *p)
{
	return vg_sc_exit();
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(vg_seccomp_record_sched_process_exit_raw, struct task_struct *p)
{
	return vg_sc_exit();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

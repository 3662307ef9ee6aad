/* execsnoop.bpf.c — every exec with its arguments. A successful exec is read at
 * sched_process_exec, from the new image (its argv on the new stack); a failed one never
 * gets there, so sys_exit_execve(at) reports it from the caller's argv (libbpf-tools
 * stashes argv at sys_enter_execve instead: one program per call here). */
#include "lib/tool_ring.h"
#include "lib/args.h"
#include "lib/argv.h"
#include "tools/execsnoop.h"

static __always_inline int vg_execsnoop_exec(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, e, 0, struct vg_execsnoop);
	vg_put_mm_argv(h, &e->argv, task->mm);
	return vg_tool_submit(h);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_tool_execsnoop_sched_process_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_execsnoop_exec();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(vg_tool_execsnoop_sched_process_exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return vg_execsnoop_exec();
}

static __always_inline int vg_execsnoop_failed(long ret, const char *const *argv)
{
	if (ret >= 0 || !vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, e, 0, struct vg_execsnoop);
	h->ret = ret;
	vg_put_user_argv(h, &e->argv, argv);
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_execve")
int vg_tool_execsnoop_sys_exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_execsnoop_failed(ctx->ret, (const char *const *)s.a[1]);
}

SEC("tp/syscalls/sys_exit_execveat")
int vg_tool_execsnoop_sys_exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_execsnoop_failed(ctx->ret, (const char *const *)s.a[2]);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* killsnoop.bpf.c — signals sent with kill, tkill and tgkill, at the syscall's exit (its
 * arguments from the saved registers, lib/args.h). */
#include "lib/tool_ring.h"
#include "lib/args.h"
#include "tools/killsnoop.h"

static __always_inline int vg_killsnoop(long ret, __u32 call, __s32 tpid, __s32 tid, __u32 sig)
{
	if (!vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, k, call, struct vg_killsnoop);
	h->ret = ret;
	k->call = call;
	k->tpid = tpid;
	k->tid = tid;
	k->sig = sig;
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_kill")
int vg_tool_killsnoop_sys_exit_kill(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_killsnoop(ctx->ret, 0, s.a[0], 0, s.a[1]);
}

SEC("tp/syscalls/sys_exit_tkill")
int vg_tool_killsnoop_sys_exit_tkill(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_killsnoop(ctx->ret, 1, s.a[0], 0, s.a[1]);
}

SEC("tp/syscalls/sys_exit_tgkill")
int vg_tool_killsnoop_sys_exit_tgkill(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_killsnoop(ctx->ret, 2, s.a[0], s.a[1], s.a[2]);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

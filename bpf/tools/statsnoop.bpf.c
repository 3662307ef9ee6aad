/* statsnoop.bpf.c — stat-family calls at their exit, with the path the caller passed. */
#include "lib/tool_ring.h"
#include "lib/path.h"
#include "lib/args.h"
#include "tools/statsnoop.h"

static __always_inline int vg_statsnoop(long ret, __u32 call, long dfd, const char *name)
{
	if (!vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, o, call, struct vg_statsnoop);
	h->ret = ret;
	o->call = call;
	vg_put_upath(h, &o->path, dfd, name, NULL);
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_statfs")
int vg_tool_statsnoop_sys_exit_statfs(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_statsnoop(ctx->ret, VG_STAT_STATFS, VG_AT_FDCWD, (const char *)s.a[0]);
}

SEC("tp/syscalls/sys_exit_newstat")
int vg_tool_statsnoop_sys_exit_newstat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_statsnoop(ctx->ret, VG_STAT_NEWSTAT, VG_AT_FDCWD, (const char *)s.a[0]);
}

SEC("tp/syscalls/sys_exit_newlstat")
int vg_tool_statsnoop_sys_exit_newlstat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_statsnoop(ctx->ret, VG_STAT_NEWLSTAT, VG_AT_FDCWD, (const char *)s.a[0]);
}

SEC("tp/syscalls/sys_exit_statx")
int vg_tool_statsnoop_sys_exit_statx(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_statsnoop(ctx->ret, VG_STAT_STATX, s.a[0], (const char *)s.a[1]);
}

SEC("tp/syscalls/sys_exit_newfstatat")
int vg_tool_statsnoop_sys_exit_newfstatat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_statsnoop(ctx->ret, VG_STAT_NEWFSTATAT, s.a[0], (const char *)s.a[1]);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

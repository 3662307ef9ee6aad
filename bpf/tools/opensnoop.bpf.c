/* opensnoop.bpf.c — every open, at its syscall's exit: the result, and the path the caller
 * passed (read from its memory, with the directory it is relative to), its flags and mode
 * read from the saved registers (lib/args.h). libbpf-tools uses an entry and an exit
 * program per call; one exit program does here. */
#include "lib/tool_ring.h"
#include "lib/path.h"
#include "lib/args.h"
#include "tools/opensnoop.h"

static __always_inline int vg_opensnoop(long ret, long dfd, const char *name, __u32 flags, __u32 mode)
{
	if (!vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, o, 0, struct vg_opensnoop);
	h->ret = ret;
	o->flags = flags;
	o->mode = mode;
	vg_put_upath(h, &o->path, dfd, name, NULL);
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_open")
int vg_tool_opensnoop_sys_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_opensnoop(ctx->ret, VG_AT_FDCWD, (const char *)s.a[0], s.a[1], s.a[2]);
}

SEC("tp/syscalls/sys_exit_openat")
int vg_tool_opensnoop_sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_opensnoop(ctx->ret, s.a[0], (const char *)s.a[1], s.a[2], s.a[3]);
}

SEC("tp/syscalls/sys_exit_openat2")
int vg_tool_opensnoop_sys_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	struct open_how how = {};
	struct vg_sysargs s;

	vg_syscall_args(&s);
	bpf_probe_read_user(&how, sizeof(how), (void *)s.a[2]);
	return vg_opensnoop(ctx->ret, s.a[0], (const char *)s.a[1], how.flags, how.mode);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

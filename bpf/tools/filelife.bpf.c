/* filelife.bpf.c — files created and deleted, for their age (short-lived files are where
 * droppers hide). libbpf-tools keys files by dentry from kprobes on vfs_create and
 * vfs_unlink; with tracepoints only, creation is sys_exit_open(at,at2)/creat with
 * FMODE_CREATED on the new file (its path from the kernel), deletion sys_exit_unlink(at),
 * and renames move a file's record; user space joins them by path. */
#include "lib/tool_ring.h"
#include "lib/path.h"
#include "lib/args.h"
#include "tools/filelife.h"

#define VG_AT_REMOVEDIR  0x200
#define VG_FMODE_CREATED 0x100000 /* see bpf/sensor/file.bpf.c */

static __always_inline int vg_filelife_created(long ret)
{
	struct file *f;

	if (ret < 0 || !(f = vg_current_fd(ret)) || !(f->f_mode & VG_FMODE_CREATED) || !vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, l, VG_FILELIFE_CREATE, struct vg_filelife);
	vg_put_file_path(h, &l->created, f);
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_open")
int vg_tool_filelife_sys_exit_open(struct trace_event_raw_sys_exit *ctx) { return vg_filelife_created(ctx->ret); }
SEC("tp/syscalls/sys_exit_openat")
int vg_tool_filelife_sys_exit_openat(struct trace_event_raw_sys_exit *ctx) { return vg_filelife_created(ctx->ret); }
SEC("tp/syscalls/sys_exit_openat2")
int vg_tool_filelife_sys_exit_openat2(struct trace_event_raw_sys_exit *ctx) { return vg_filelife_created(ctx->ret); }
SEC("tp/syscalls/sys_exit_creat")
int vg_tool_filelife_sys_exit_creat(struct trace_event_raw_sys_exit *ctx) { return vg_filelife_created(ctx->ret); }

static __always_inline int vg_filelife_deleted(long ret, long dfd, const char *name)
{
	if (ret < 0 || !vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, l, VG_FILELIFE_DELETE, struct vg_filelife);
	vg_put_upath(h, &l->path, dfd, name, NULL);
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_unlink")
int vg_tool_filelife_sys_exit_unlink(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_filelife_deleted(ctx->ret, VG_AT_FDCWD, (const char *)s.a[0]);
}

SEC("tp/syscalls/sys_exit_unlinkat")
int vg_tool_filelife_sys_exit_unlinkat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	if (s.a[2] & VG_AT_REMOVEDIR)
		return 0;
	return vg_filelife_deleted(ctx->ret, s.a[0], (const char *)s.a[1]);
}

static __always_inline int vg_filelife_renamed(long ret, long from_dfd, const char *from, long to_dfd, const char *to)
{
	if (ret < 0 || !vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, l, VG_FILELIFE_RENAME, struct vg_filelife);
	vg_put_upath(h, &l->path, from_dfd, from, NULL);
	vg_put_upath(h, &l->to, to_dfd, to, NULL);
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_rename")
int vg_tool_filelife_sys_exit_rename(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_filelife_renamed(ctx->ret, VG_AT_FDCWD, (const char *)s.a[0], VG_AT_FDCWD, (const char *)s.a[1]);
}

SEC("tp/syscalls/sys_exit_renameat")
int vg_tool_filelife_sys_exit_renameat(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_filelife_renamed(ctx->ret, s.a[0], (const char *)s.a[1], s.a[2], (const char *)s.a[3]);
}

SEC("tp/syscalls/sys_exit_renameat2")
int vg_tool_filelife_sys_exit_renameat2(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;

	vg_syscall_args(&s);
	return vg_filelife_renamed(ctx->ret, s.a[0], (const char *)s.a[1], s.a[2], (const char *)s.a[3]);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

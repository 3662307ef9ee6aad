/* setuids.bpf.c — the setuid family (privilege changes). The caller's uid before the call
 * is gone by its exit, so the entry stashes it per thread (lib/args.h: stash only what
 * exit cannot see); the exit reads the arguments from the saved registers and the result. */
#include "lib/tool_ring.h"
#include "lib/args.h"
#include "tools/setuids.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);   /* tid */
	__type(value, __u32); /* real uid at entry */
} vg_setuids_uid SEC(".maps");

static __always_inline int vg_setuids_enter(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), uid = (__u32)bpf_get_current_uid_gid();

	if (vg_tool_wanted() && bpf_map_update_elem(&vg_setuids_uid, &tid, &uid, BPF_ANY) < 0)
		vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
	return 0;
}

static __always_inline int vg_setuids_exit(long ret, __u32 call)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *uid = bpf_map_lookup_elem(&vg_setuids_uid, &tid);
	struct vg_sysargs s;
	__u32 before;

	if (!uid)
		return 0;
	before = *uid;
	bpf_map_delete_elem(&vg_setuids_uid, &tid);
	VG_TOOL_BEGIN(h, u, call, struct vg_setuids);
	vg_syscall_args(&s);
	h->ret = ret;
	u->call = call;
	u->uid = before;
	u->args[0] = s.a[0];
	u->args[1] = s.a[1];
	u->args[2] = s.a[2];
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_enter_setuid")
int vg_tool_setuids_sys_enter_setuid(void *ctx) { return vg_setuids_enter(); }
SEC("tp/syscalls/sys_enter_setresuid")
int vg_tool_setuids_sys_enter_setresuid(void *ctx) { return vg_setuids_enter(); }
SEC("tp/syscalls/sys_enter_setfsuid")
int vg_tool_setuids_sys_enter_setfsuid(void *ctx) { return vg_setuids_enter(); }

SEC("tp/syscalls/sys_exit_setuid")
int vg_tool_setuids_sys_exit_setuid(struct trace_event_raw_sys_exit *ctx)
{
	return vg_setuids_exit(ctx->ret, VG_SETUID);
}

SEC("tp/syscalls/sys_exit_setresuid")
int vg_tool_setuids_sys_exit_setresuid(struct trace_event_raw_sys_exit *ctx)
{
	return vg_setuids_exit(ctx->ret, VG_SETRESUID);
}

SEC("tp/syscalls/sys_exit_setfsuid")
int vg_tool_setuids_sys_exit_setfsuid(struct trace_event_raw_sys_exit *ctx)
{
	return vg_setuids_exit(ctx->ret, VG_SETFSUID);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

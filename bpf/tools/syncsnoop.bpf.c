/* syncsnoop.bpf.c — calls that flush data to disk, at entry (as libbpf-tools does: a sync
 * can block for long, and its start is what stalls everything else). The record is the
 * header alone; its type is the call. */
#include "lib/tool_ring.h"
#include "tools/syncsnoop.h"

static __always_inline int vg_syncsnoop(__u16 call)
{
	struct vg_hdr *h;

	if (!vg_tool_wanted() || !(h = vg_tool_begin(call, 0)))
		return 0;
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_enter_sync")
int vg_tool_syncsnoop_sys_enter_sync(void *ctx) { return vg_syncsnoop(VG_SYNC_SYNC); }
SEC("tp/syscalls/sys_enter_syncfs")
int vg_tool_syncsnoop_sys_enter_syncfs(void *ctx) { return vg_syncsnoop(VG_SYNC_SYNCFS); }
SEC("tp/syscalls/sys_enter_fsync")
int vg_tool_syncsnoop_sys_enter_fsync(void *ctx) { return vg_syncsnoop(VG_SYNC_FSYNC); }
SEC("tp/syscalls/sys_enter_fdatasync")
int vg_tool_syncsnoop_sys_enter_fdatasync(void *ctx) { return vg_syncsnoop(VG_SYNC_FDATASYNC); }
SEC("tp/syscalls/sys_enter_msync")
int vg_tool_syncsnoop_sys_enter_msync(void *ctx) { return vg_syncsnoop(VG_SYNC_MSYNC); }
SEC("tp/syscalls/sys_enter_sync_file_range")
int vg_tool_syncsnoop_sys_enter_sync_file_range(void *ctx) { return vg_syncsnoop(VG_SYNC_SYNC_FILE_RANGE); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";

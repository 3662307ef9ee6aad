/* filetop.bpf.c — reads and writes per file and thread, from the read/write syscall exits
 * (libbpf-tools uses kprobes on vfs_read and vfs_write): the fd is the first argument
 * (lib/args.h), its file gives the inode and name, the result gives the bytes. Counters
 * are in a capped hash that user space empties every interval, keyed by generation first
 * (lib/tool.h) so that it takes every count. */
#include "lib/tool.h"
#include "lib/args.h"
#include "tools/filetop.h"

const volatile __u32 vg_filetop_all = 0; /* -a: every file, not only regular ones */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_FILETOP_KEYS);
	__type(key, struct vg_filetop_key);
	__type(value, struct vg_filetop_val);
} vg_filetop_files SEC(".maps");

static __always_inline int vg_filetop(long ret, bool write)
{
	struct vg_filetop_val *v, fresh = {};
	struct vg_filetop_key key = {};
	struct vg_sysargs s;
	struct inode *inode;
	struct file *f;
	__u64 id;
	__u32 mode;

	if (ret <= 0 || !vg_tool_wanted())
		return 0;
	vg_syscall_args(&s);
	if (!(f = vg_current_fd(s.a[0])))
		return 0;
	inode = f->f_inode;
	mode = inode->i_mode & VG_S_IFMT;
	if (!vg_filetop_all && mode != VG_S_IFREG)
		return 0;
	id = bpf_get_current_pid_tgid();
	key.generation = vg_tool_generation_now();
	key.pid = id >> 32;
	key.tid = (__u32)id;
	key.dev = inode->i_sb->s_dev;
	key.ino = inode->i_ino;
	v = bpf_map_lookup_elem(&vg_filetop_files, &key);
	if (!v) {
		fresh.type = mode == VG_S_IFREG ? 'R' : mode == VG_S_IFSOCK ? 'S' : 'O';
		fresh.cgroup_id = bpf_get_current_cgroup_id();
		fresh.uid = (__u32)bpf_get_current_uid_gid();
		bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
		bpf_probe_read_kernel_str(fresh.name, sizeof(fresh.name), f->f_path.dentry->d_name.name);
		bpf_map_update_elem(&vg_filetop_files, &key, &fresh, BPF_NOEXIST);
		if (!(v = bpf_map_lookup_elem(&vg_filetop_files, &key))) {
			vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
			return 0;
		}
	}
	if (write) {
		__sync_fetch_and_add(&v->writes, 1);
		__sync_fetch_and_add(&v->write_bytes, ret);
	} else {
		__sync_fetch_and_add(&v->reads, 1);
		__sync_fetch_and_add(&v->read_bytes, ret);
	}
	return 0;
}

SEC("tp/syscalls/sys_exit_read")
int vg_tool_filetop_sys_exit_read(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, false);
}

SEC("tp/syscalls/sys_exit_pread64")
int vg_tool_filetop_sys_exit_pread64(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, false);
}

SEC("tp/syscalls/sys_exit_readv")
int vg_tool_filetop_sys_exit_readv(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, false);
}

SEC("tp/syscalls/sys_exit_preadv")
int vg_tool_filetop_sys_exit_preadv(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, false);
}

SEC("tp/syscalls/sys_exit_preadv2")
int vg_tool_filetop_sys_exit_preadv2(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, false);
}

SEC("tp/syscalls/sys_exit_write")
int vg_tool_filetop_sys_exit_write(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, true);
}

SEC("tp/syscalls/sys_exit_pwrite64")
int vg_tool_filetop_sys_exit_pwrite64(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, true);
}

SEC("tp/syscalls/sys_exit_writev")
int vg_tool_filetop_sys_exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, true);
}

SEC("tp/syscalls/sys_exit_pwritev")
int vg_tool_filetop_sys_exit_pwritev(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, true);
}

SEC("tp/syscalls/sys_exit_pwritev2")
int vg_tool_filetop_sys_exit_pwritev2(struct trace_event_raw_sys_exit *ctx)
{
	return vg_filetop(ctx->ret, true);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

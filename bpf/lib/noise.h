/* lib/noise.h — noise control, decided in the kernel and counted.
 *
 * Allowlisted processes (exe inode or command-line hash, decided at exec and inherited
 * on fork) deliver only their lifecycle events, which the process table needs. Every
 * other event passes a per-exe, per-type token bucket, except an event the rules' kernel
 * filter matched. Both count what they suppress (VG_DROP_ALLOWLIST, VG_DROP_RATE_LIMIT),
 * which are suppressions, not losses. */
#ifndef VIGIL_LIB_NOISE_H
#define VIGIL_LIB_NOISE_H

#include "lib/maps.h"

const volatile __u32 vg_rate_per_sec = 0; /* 0: no per-exe limit */
const volatile __u32 vg_rate_burst = 0;
const volatile __u32 vg_allow_cmdlines = 0; /* 1 when the cmdline allowlist is non-empty */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vg_inode_key);
	__type(value, __u8);
} vg_allow_exe SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64); /* FNV-1a of the first VG_CMDHASH_LEN bytes of argv as captured */
	__type(value, __u8);
} vg_allow_cmd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tgid */
	__type(value, __u32);
} vg_task_flags SEC(".maps");

struct vg_rate_key {
	__u64 ino; /* exe inode */
	__u32 type;
	__u32 pad;
};

struct vg_bucket {
	__u64 last_ns;
	__u64 tokens; /* scaled by 1e9: token-nanoseconds */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vg_rate_key);
	__type(value, struct vg_bucket);
} vg_rate SEC(".maps");

/* Token bucket: rate per second, burst tokens. Approximate under concurrency, which is
 * fine for noise control. True when a token was taken. */
static __always_inline bool vg_bucket_take(void *map, const void *key, __u32 rate, __u32 burst)
{
	__u64 now = bpf_ktime_get_boot_ns(), cap = (__u64)burst * 1000000000ull;
	struct vg_bucket *b = bpf_map_lookup_elem(map, key), fresh;

	if (!b) {
		fresh.last_ns = now;
		fresh.tokens = cap - 1000000000ull;
		bpf_map_update_elem(map, key, &fresh, BPF_ANY);
		return true;
	}
	b->tokens += (now - b->last_ns) * rate;
	b->last_ns = now;
	if (b->tokens > cap)
		b->tokens = cap;
	if (b->tokens < 1000000000ull)
		return false;
	b->tokens -= 1000000000ull;
	return true;
}

/* False (and counted) when noise control suppresses this event of the current task.
 * matched: a rule's kernel filter (lib/filter.h) says some rule may match the event, which
 * the rate limit then never drops (a flood of noise must not hide the one open a rule is
 * about); the allowlist still applies, since the user said the program is trusted. */
static __always_inline bool vg_noise_pass(__u32 type, bool matched)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	__u32 *flags;

	if (VG_LIFECYCLE(type))
		return true;
	flags = bpf_map_lookup_elem(&vg_task_flags, &tgid);
	if (flags && (*flags & VG_TASK_ALLOWED)) {
		vg_count_drop(type, VG_DROP_ALLOWLIST);
		return false;
	}
	if (vg_rate_per_sec && !matched) {
		struct vg_rate_key key = { .type = type };

		key.ino = task->mm->exe_file->f_inode->i_ino;
		if (!vg_bucket_take(&vg_rate, &key, vg_rate_per_sec, vg_rate_burst)) {
			vg_count_drop(type, VG_DROP_RATE_LIMIT);
			return false;
		}
	}
	return true;
}

#endif

/* capable.bpf.c — every capability check, from the capability:cap_capable tracepoint
 * (libbpf-tools uses a kprobe on cap_capable; the tracepoint carries the same check and
 * verdict, but not the caller's audit option). */
#include "lib/tool_ring.h"
#include "tools/capable.h"

static __always_inline int vg_capable(const struct user_namespace *ns, int cap, int ret)
{
	if (!vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, c, 0, struct vg_capable);
	h->ret = ret;
	c->cap = cap;
	c->ns_level = BPF_CORE_READ(ns, level);
	return vg_tool_submit(h);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(vg_tool_capable_cap_capable_btf, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return vg_capable(capable_ns, cap, ret);
}

SEC("raw_tp/cap_capable")
int BPF_PROG(vg_tool_capable_cap_capable_raw, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return vg_capable(capable_ns, cap, ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

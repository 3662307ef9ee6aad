/* tcpaccept.bpf.c — accepted TCP connections. BCC's tcpaccept uses a kretprobe on
 * inet_csk_accept; here sys_exit_accept(4): the new fd's socket, in the accepting
 * process's context (the passive open itself completes in softirq, with no process). */
#include "lib/tool_ring.h"
#include "tools/tcp.h"

static __always_inline int vg_tcpaccept(long ret)
{
	struct sock *sk;
	__u8 proto = 0;

	if (ret < 0 || !vg_tool_wanted() || !(sk = vg_file_inet_sock(vg_current_fd(ret))))
		return 0;
	VG_TOOL_BEGIN(h, c, 0, struct vg_tcp_conn);
	vg_sock_endpoints(sk, &c->local, &c->remote, &proto);
	if (proto != VG_IPPROTO_TCP)
		return 0;
	h->ret = ret;
	return vg_tool_submit(h);
}

SEC("tp/syscalls/sys_exit_accept")
int vg_tool_tcpaccept_sys_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return vg_tcpaccept(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept4")
int vg_tool_tcpaccept_sys_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return vg_tcpaccept(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

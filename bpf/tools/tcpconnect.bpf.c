/* tcpconnect.bpf.c — active TCP opens. libbpf-tools uses kprobes on tcp_v4_connect and
 * tcp_v6_connect; here sock:inet_sock_set_state's CLOSE -> SYN_SENT, which tcp_connect
 * makes in the connecting process's context, with the route's source address already
 * chosen (the source port is picked just after, so it is not known here). */
#include "lib/tool_ring.h"
#include "tools/tcp.h"

#define VG_TCP_SYN_SENT 2
#define VG_TCP_CLOSE 7

SEC("tp/sock/inet_sock_set_state")
int vg_tool_tcpconnect_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != VG_IPPROTO_TCP || ctx->oldstate != VG_TCP_CLOSE || ctx->newstate != VG_TCP_SYN_SENT ||
	    !vg_tool_wanted())
		return 0;
	VG_TOOL_BEGIN(h, c, 0, struct vg_tcp_conn);
	vg_sock_state_endpoints(ctx, &c->local, &c->remote);
	return vg_tool_submit(h);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

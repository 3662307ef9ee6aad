/* hooks_net.c — hooks of the network events (bpf/sensor/net.bpf.c). */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_CONNECT, "connect (sys_enter/exit_connect, socket read at exit)", false,
	  { { "tracepoint", { "vg_net_sys_enter_connect", "vg_net_sys_exit_connect" } } } },
	{ VG_EV_CONNECT, "source of refused TCP connects (sock:inet_sock_set_state)", true,
	  { { "tracepoint", { "vg_net_inet_sock_set_state" } } } },
	{ VG_EV_BIND, "bind (sys_enter/exit_bind, socket read at exit)", false,
	  { { "tracepoint", { "vg_net_sys_enter_bind", "vg_net_sys_exit_bind" } } } },
	{ VG_EV_ACCEPT, "accepted connection (sys_exit_accept/accept4)", false,
	  { { "tracepoint", { "vg_net_sys_exit_accept", "vg_net_sys_exit_accept4" } } } },
	{ VG_EV_DNS, "UDP DNS query (sys_enter_sendto/sendmsg/sendmmsg)", false,
	  { { "tracepoint", { "vg_net_sys_enter_sendto", "vg_net_sys_enter_sendmsg",
			      "vg_net_sys_enter_sendmmsg" } } } },
	{ VG_EV_PORTSCAN, "RSTs to closed ports per source (tcp:tcp_send_reset)", false,
	  { { "tracepoint", { "vg_net_tcp_send_reset" } } } },
};

const struct vg_hook_table vg_hooks_net = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

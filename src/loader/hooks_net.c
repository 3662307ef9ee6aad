/* hooks_net.c — hooks of the network events (bpf/sensor/net.bpf.c). */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_CONNECT, "connect (sys_exit_connect, socket read at exit)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_net_connect_sys_exit_connect) } } } },
	{ VG_EV_CONNECT,
	  "TCP connects not made by connect(2): Fast Open, io_uring, ia32; source of refused TCP connects "
	  "(sock:inet_sock_set_state)",
	  true,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_net_connect_inet_sock_set_state) } } } },
	{ VG_EV_BIND, "bind (sys_exit_bind, socket read at exit)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_net_bind_sys_exit_bind) } } } },
	{ VG_EV_ACCEPT, "accepted connection (sys_exit_accept/accept4)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_net_accept_sys_exit_accept), VG_PROG(vg_net_accept_sys_exit_accept4) } } } },
	{ VG_EV_DNS, "UDP DNS query sent (sys_exit_sendto/sendmsg/sendmmsg)", false,
	  { { VG_MECH_TRACEPOINT, NULL,
	      { VG_PROG(vg_net_dns_sys_exit_sendto), VG_PROG(vg_net_dns_sys_exit_sendmsg),
		VG_PROG(vg_net_dns_sys_exit_sendmmsg) } } } },
	{ VG_EV_SOCKET, "packet and raw sockets created (sys_exit_socket)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_net_socket_sys_exit_socket) } } } },
	{ VG_EV_PORTSCAN, "RSTs to closed ports per source (tcp:tcp_send_reset)", false,
	  { { VG_MECH_TRACEPOINT, NULL, { VG_PROG(vg_net_portscan_tcp_send_reset) } } } },
};

const struct vg_hook_table vg_hooks_net = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

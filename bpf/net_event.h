/* net_event.h — wire bodies of the network events (bpf/sensor/net.bpf.c -> src/decode/net.c):
 * connect, bind, accept, DNS queries and port scans. */
#ifndef VIGIL_NET_EVENT_H
#define VIGIL_NET_EVENT_H

#include "vigil_event.h"

/* Where an endpoint came from. */
enum vg_net_source {
	VG_NET_SRC_SOCK, /* the kernel socket, read at syscall exit */
	VG_NET_SRC_USER, /* the sockaddr the caller passed, copied at syscall entry */
};

/* X(NAME, "name"): how a connection was started (net.via). A TCP connection that
 * connect(2) did not start (TCP Fast Open's sendto/sendmsg, io_uring, a 32-bit syscall) is
 * seen when its socket enters SYN_SENT (sock:inet_sock_set_state). */
#define VG_NET_VIAS(X)                                                                   \
	X(CONNECT, "connect") X(SENDTO, "sendto") X(SENDMSG, "sendmsg")                   \
	X(SENDMMSG, "sendmmsg") X(IO_URING, "io_uring") X(IA32, "ia32") X(OTHER, "other")

enum vg_net_via {
#define VG_NET_VIA_ENUM(NAME, name) VG_VIA_##NAME,
	VG_NET_VIAS(VG_NET_VIA_ENUM)
#undef VG_NET_VIA_ENUM
};

/* connect, bind and accept. For bind, local is the bound address and remote is unused. */
struct vg_net {
	struct vg_sockaddr local, remote;
	__u32 fd;     /* the socket (for accept: the new one); (__u32)-1 when not known */
	__u8 proto;   /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 source;  /* enum vg_net_source of the address the event is about */
	__u8 via;     /* connect: enum vg_net_via */
	__u8 pad;
};

/* socket(2) of a kind sniffers and covert channels need: AF_PACKET, SOCK_RAW, SOCK_PACKET
 * (the kernel reports no other). */
#define VG_SOCK_RAW    3
#define VG_SOCK_PACKET 10
#define VG_SOCK_TYPE_MASK 0xf /* type without SOCK_NONBLOCK / SOCK_CLOEXEC */
struct vg_socket {
	__u32 family;   /* AF_* */
	__u32 type;     /* SOCK_* as passed (with SOCK_NONBLOCK, SOCK_CLOEXEC) */
	__u32 protocol; /* ETH_P_* (network order) for packet sockets, IPPROTO_* for raw inet */
	__u32 pad;
};

/* Which syscall carried a DNS query. */
enum vg_dns_via { VG_DNS_SENDTO, VG_DNS_SENDMSG, VG_DNS_SENDMMSG };

/* A DNS query seen leaving a process. The name is dotted ("www.example.com"), built in
 * the kernel from the wire labels; flags say whether it was cut short. */
struct vg_dns {
	struct vg_sockaddr local, remote;
	struct vg_str qname;
	__u16 qtype;
	__u16 id;     /* the query's transaction id */
	__u8 proto;
	__u8 via;     /* enum vg_dns_via */
	__u8 name_truncated;
	__u8 pad;
};

/* Port-scan detection: one event when a source draws RSTs from VG_SCAN_PORTS distinct
 * local ports within VG_SCAN_WINDOW_NS; then that source is quiet for a window. */
#define VG_SCAN_PORTS     20
#define VG_SCAN_WINDOW_NS (5ull * 1000000000ull)
#define VG_SCAN_SAMPLE    16
#define VG_SCAN_BITS      1024 /* distinct-port set: a bitmap indexed by a port hash */

struct vg_portscan {
	struct vg_sockaddr source; /* the scanner (port: its last source port) */
	struct vg_sockaddr target; /* the local address it scanned (port: the last one) */
	__u32 ports;               /* distinct ports counted in the window */
	__u32 window_ms;           /* time from the first RST to detection */
	__u16 sample[VG_SCAN_SAMPLE]; /* the first ports touched, 0 = unused */
};

/* DNS circuit breaker: at most this many DNS events per process per second. */
#define VG_DNS_BREAKER_PER_SEC 1024

#endif

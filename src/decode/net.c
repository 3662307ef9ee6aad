/* decode/net.c — connect, bind, accept, DNS queries, port scans, packet and raw sockets
 * (bpf/sensor/net.bpf.c).
 *
 * Socket events name the socket's own side "s" (net.sip/net.sport: the local address) and
 * the peer "d" (net.dip/net.dport), whichever side started the connection. */
#include <stdio.h>
#include <string.h>
#include "decode/decode.h"
#include "net_event.h"

enum {
	F_FAMILY, F_PROTO, F_SIP, F_SPORT, F_DIP, F_DPORT, F_SOURCE, F_FD,
	F_QNAME, F_QTYPE, F_QTYPE_NUM, F_QID, F_QSYSCALL, F_QNAME_TRUNC,
	F_SCAN_SOURCE, F_SCAN_TARGET, F_SCAN_PORTS, F_SCAN_SAMPLE, F_SCAN_WINDOW, F_VIA,
	F_SOCK_FAMILY, F_SOCK_TYPE, F_SOCK_PROTOCOL,
	F_COUNT
};

static const struct vg_field fields[F_COUNT] = {
	[F_FAMILY] = { "net.family", VG_V_STR, "address family: ipv4 or ipv6" },
	[F_PROTO] = { "net.proto", VG_V_STR, "transport protocol: tcp, udp, icmp, ... (from the socket)" },
	[F_SIP] = { "net.sip", VG_V_IP,
		    "local address of the socket (bind: the address bound; absent while the socket is unbound)" },
	[F_SPORT] = { "net.sport", VG_V_INT, "local port of the socket (bind: the port bound)" },
	[F_DIP] = { "net.dip", VG_V_IP, "remote address (connect: the peer; accept: the client; dns: the server)" },
	[F_DPORT] = { "net.dport", VG_V_INT, "remote port" },
	[F_SOURCE] = { "net.source", VG_V_STR,
		       "where the reported address came from: sock (the kernel socket at syscall exit) or "
		       "user (the caller's sockaddr, when the socket no longer holds it: refused connect, failed bind)" },
	[F_FD] = { "net.fd", VG_V_INT, "the socket's file descriptor (accept: the new one)" },
	[F_QNAME] = { "dns.qname", VG_V_STR, "the queried name, dotted, without the final dot" },
	[F_QTYPE] = { "dns.qtype", VG_V_STR, "the query type: A, AAAA, TXT, ... or TYPEnnn" },
	[F_QTYPE_NUM] = { "dns.qtype_num", VG_V_INT, "the query type as a number" },
	[F_QID] = { "dns.id", VG_V_INT, "the query's transaction id" },
	[F_QSYSCALL] = { "dns.syscall", VG_V_STR, "the call that sent it: sendto, sendmsg or sendmmsg" },
	[F_QNAME_TRUNC] = { "dns.name_truncated", VG_V_BOOL,
			    "the name ran past the packet or 255 bytes, or held a compression pointer" },
	[F_SCAN_SOURCE] = { "scan.source", VG_V_IP, "the scanning address (where the RSTs went)" },
	[F_SCAN_TARGET] = { "scan.target", VG_V_IP, "the local address scanned (of the last RST)" },
	[F_SCAN_PORTS] = { "scan.ports", VG_V_INT, "distinct closed ports the source touched in the window" },
	[F_SCAN_SAMPLE] = { "scan.sample", VG_V_LIST, "the first ports touched (up to 16)" },
	[F_SCAN_WINDOW] = { "scan.window_ms", VG_V_INT, "time from the first RST to the detection" },
	[F_VIA] = { "net.via", VG_V_STR,
		    "connect: what started the connection: connect (the syscall), sendto, sendmsg or sendmmsg "
		    "(TCP Fast Open), io_uring, ia32 (a 32-bit syscall), other" },
	[F_SOCK_FAMILY] = { "socket.family", VG_V_STR, "socket: packet, ipv4, ipv6, ... (AF_* number when unnamed)" },
	[F_SOCK_TYPE] = { "socket.type", VG_V_STR, "socket: raw, packet (SOCK_PACKET), dgram, stream, ..." },
	[F_SOCK_PROTOCOL] = { "socket.protocol", VG_V_INT,
			      "socket: the protocol argument: IPPROTO_* for inet raw sockets (1 ICMP, 255 raw), "
			      "the Ethernet type for packet sockets (ETH_P_ALL = 3, in host order)" },
};

static void add_const(struct vg_event *ev, int f, const char *s)
{
	vg_event_add_str(ev, &fields[f], s, strlen(s));
}

static void add_family(struct vg_event *ev, unsigned family)
{
	if (family == VG_AF_INET || family == VG_AF_INET6)
		add_const(ev, F_FAMILY, vg_family_name(family));
}

static bool unset(const struct vg_sockaddr *sa)
{
	static const uint8_t zero[sizeof(sa->addr)];

	return sa->family == 0 || (sa->port == 0 && memcmp(sa->addr, zero, sizeof(zero)) == 0);
}

/* The socket's side (unless it is not bound yet: 0.0.0.0 port 0), then the peer's (when it
 * has one). */
static void add_endpoints(struct vg_event *ev, const struct vg_sockaddr *local,
			  const struct vg_sockaddr *remote, unsigned proto)
{
	add_family(ev, local->family ? local->family : remote->family);
	if (proto)
		add_const(ev, F_PROTO, vg_ip_proto_name(proto));
	if (!unset(local)) {
		vg_add_ip(ev, &fields[F_SIP], local);
		vg_event_add_int(ev, &fields[F_SPORT], local->port);
	}
	if (remote->family) {
		vg_add_ip(ev, &fields[F_DIP], remote);
		vg_event_add_int(ev, &fields[F_DPORT], remote->port);
	}
}

static int decode_sock(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_net *n = body;

	add_endpoints(ev, &n->local, &n->remote, n->proto);
	static const char *const vias[] = {
#define VIA_NAME(NAME, name) [VG_VIA_##NAME] = name,
		VG_NET_VIAS(VIA_NAME)
#undef VIA_NAME
	};

	add_const(ev, F_SOURCE, n->source == VG_NET_SRC_USER ? "user" : "sock");
	if (n->fd != (uint32_t)-1)
		vg_event_add_int(ev, &fields[F_FD], n->fd);
	if (ev->type == VG_EV_CONNECT && n->via < sizeof(vias) / sizeof(vias[0]))
		add_const(ev, F_VIA, vias[n->via]);
	return 0;
}

static int decode_socket(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char *const types[] = { [1] = "stream", [2] = "dgram", [3] = "raw", [4] = "rdm",
					     [5] = "seqpacket", [6] = "dccp", [10] = "packet" };
	const struct vg_socket *k = body;
	unsigned type = k->type & VG_SOCK_TYPE_MASK;
	const char *family = vg_family_name(k->family);
	char buf[16];

	if (!family) {
		snprintf(buf, sizeof(buf), "%u", k->family);
		family = vg_event_keep(ev, buf, strlen(buf));
	}
	if (family)
		add_const(ev, F_SOCK_FAMILY, family);
	if (type < sizeof(types) / sizeof(types[0]) && types[type])
		add_const(ev, F_SOCK_TYPE, types[type]);
	/* packet sockets take the Ethernet type in network order (htons(ETH_P_ALL)) */
	vg_event_add_int(ev, &fields[F_SOCK_PROTOCOL],
			 k->family == VG_AF_PACKET ? (uint16_t)(k->protocol >> 8 | k->protocol << 8) : k->protocol);
	return 0;
}

static const char *qtype_name(unsigned t, char *buf, size_t len)
{
	static const struct {
		unsigned type;
		const char *name;
	} names[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" }, { 13, "HINFO" },
		{ 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" }, { 35, "NAPTR" }, { 43, "DS" },
		{ 48, "DNSKEY" }, { 52, "TLSA" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
		{ 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == t)
			return names[i].name;
	snprintf(buf, len, "TYPE%u", t); /* RFC 3597 */
	return buf;
}

static int decode_dns(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	static const char *const via[] = { "sendto", "sendmsg", "sendmmsg" };
	const struct vg_dns *d = body;
	char buf[16];
	const char *p;
	size_t len;

	add_endpoints(ev, &d->local, &d->remote, d->proto);
	/* the root name "." travels as an empty string */
	if (vg_raw_bytes(ev, d->qname, &p, &len))
		vg_event_add_str(ev, &fields[F_QNAME], p, len);
	else
		add_const(ev, F_QNAME, d->name_truncated ? "" : ".");
	if (d->qtype) {
		p = qtype_name(d->qtype, buf, sizeof(buf));
		if (p == buf)
			p = vg_event_keep(ev, buf, strlen(buf));
		if (p)
			add_const(ev, F_QTYPE, p);
		vg_event_add_int(ev, &fields[F_QTYPE_NUM], d->qtype);
	}
	vg_event_add_int(ev, &fields[F_QID], d->id);
	if (d->via < sizeof(via) / sizeof(via[0]))
		add_const(ev, F_QSYSCALL, via[d->via]);
	vg_event_add_bool(ev, &fields[F_QNAME_TRUNC], d->name_truncated);
	return 0;
}

static int decode_portscan(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_portscan *s = body;
	char list[VG_SCAN_SAMPLE * 6];
	size_t n = 0;

	add_family(ev, s->source.family);
	add_const(ev, F_PROTO, "tcp");
	vg_add_ip(ev, &fields[F_SCAN_SOURCE], &s->source);
	vg_add_ip(ev, &fields[F_SCAN_TARGET], &s->target);
	vg_event_add_int(ev, &fields[F_SCAN_PORTS], s->ports);
	for (int i = 0; i < VG_SCAN_SAMPLE && s->sample[i]; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%u", s->sample[i]) + 1; /* keeps the NUL */
	if (n) {
		const char *kept = vg_event_keep(ev, list, n - 1);

		if (kept)
			vg_event_add_str(ev, &fields[F_SCAN_SAMPLE], kept, n - 1);
	}
	vg_event_add_int(ev, &fields[F_SCAN_WINDOW], s->window_ms);
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_CONNECT, sizeof(struct vg_net), decode_sock },
	{ VG_EV_BIND, sizeof(struct vg_net), decode_sock },
	{ VG_EV_ACCEPT, sizeof(struct vg_net), decode_sock },
	{ VG_EV_DNS, sizeof(struct vg_dns), decode_dns },
	{ VG_EV_PORTSCAN, sizeof(struct vg_portscan), decode_portscan },
	{ VG_EV_SOCKET, sizeof(struct vg_socket), decode_socket },
};

const struct vg_domain vg_domain_net = {
	"net", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};

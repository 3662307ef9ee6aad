/* net.bpf.c — network events: connect, bind, accept, DNS queries, port scans, packet and
 * raw sockets.
 *
 * connect and bind report the kernel socket at sys_exit (what the kernel actually did,
 * not what user memory says); the caller's sockaddr, read at exit from its memory, stands
 * in only where the socket no longer has the address (a refused connect, a failed bind).
 * For a refused TCP connect, sock:inet_sock_set_state (SYN_SENT -> CLOSE) keeps the source
 * address and port the kernel had picked before it released them.
 * DNS queries are parsed at sys_exit of sendto/sendmsg/sendmmsg to UDP port 53, so only
 * queries the kernel took are reported.
 * Port scans are counted in the kernel from tcp:tcp_send_reset per source address.
 * TCP connections that connect(2) did not start (TCP Fast Open, io_uring, 32-bit calls)
 * are seen when their socket enters SYN_SENT.
 */
#include "lib/store.h"
#include "lib/args.h"
#include "lib/filter.h"
#include "net_event.h"

#define VG_TCP_SYN_SENT 2
#define VG_TCP_CLOSE 7
#define VG_DNS_PORT 53
#define VG_DNS_HDR 12
#define VG_DNS_MIN 17      /* header, root name, qtype, qclass */
#define VG_DNS_MAX_LEN 4096 /* longer sends are not queries: skip them cheaply */
#define VG_DNS_NAME_MAX 255
#define VG_DNS_MMSG 4      /* sendmmsg messages looked at (glibc sends A and AAAA) */
#define VG_EINPROGRESS 115
/* x86-64 syscall numbers (asm/unistd_64.h) of the calls that can start a connection */
#define VG_NR_CONNECT 42
#define VG_NR_SENDTO 44
#define VG_NR_SENDMSG 46
#define VG_NR_SENDMMSG 307
#define VG_NR_IO_URING_ENTER 426

/* ---- shared extractors ------------------------------------------------------- */

/* A sockaddr (in user memory, or user false: a kernel copy) as an endpoint; false unless
 * it is VG_AF_INET/VG_AF_INET6. */
static __always_inline bool vg_net_sockaddr(struct vg_sockaddr *out, const void *addr, __u32 ulen, bool user)
{
	__u64 raw[4] = {};
	__u8 *b = (__u8 *)raw;
	__u16 family;

	if (!addr || ulen < 8)
		return false;
	if (ulen > 28)
		ulen = 28;
	asm volatile("" : "+r"(ulen)); /* keep the clamped copy for the verifier */
	if ((user ? bpf_probe_read_user(raw, ulen & 31, addr) : bpf_probe_read_kernel(raw, ulen & 31, addr)) < 0)
		return false;
	family = b[0] | b[1] << 8;
	if (family == VG_AF_INET) {
		__builtin_memcpy(out->addr, b + 4, 4);
	} else if (family == VG_AF_INET6 && ulen >= 24) {
		__builtin_memcpy(out->addr, b + 8, 16);
	} else {
		return false;
	}
	out->family = family;
	out->port = b[2] << 8 | b[3];
	return true;
}

static __always_inline bool vg_net_user_addr(struct vg_sockaddr *out, const void *uaddr, __u32 ulen)
{
	return vg_net_sockaddr(out, uaddr, ulen, true);
}

static __always_inline bool vg_net_same_addr(const __u8 *a, const __u8 *b)
{
	__u32 x[4], y[4];

	__builtin_memcpy(x, a, 16);
	__builtin_memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}

/* ---- connect and bind ------------------------------------------------------- */

/* Endpoints of TCP connects the kernel gave up on (SYN_SENT -> CLOSE), by socket: by the
 * time connect returns ECONNREFUSED the socket has released its port. The peer is kept
 * so that a stale entry (a freed socket's address reused) is not taken for a new one. */
struct vg_net_refused_val {
	struct vg_sockaddr local, remote;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct vg_net_refused_val);
} vg_net_refused SEC(".maps");

/* A destination address against DADDR atoms, at each prefix length they use. */
__noinline int vg_net_addr_judge(const struct vg_filter *f, __u32 type, __u32 cls, const struct vg_sockaddr *remote)
{
	__u32 v6, bits;
	__u64 a[2];

	if (!f || !remote)
		return 0;
	v6 = remote->family == VG_AF_INET6;
	for (int i = 0; i < VG_FILTER_ADDR_LENS; i++) {
		bits = f->addr_lens[v6][i];
		if (bits > (v6 ? 128 : 32))
			continue;
		__builtin_memcpy(a, remote->addr, sizeof(a));
		/* the address masked to bits, as user space hashed the prefix */
		a[0] &= bits >= 64 ? ~0ull : vg_fh_prefix_mask(bits);
		a[1] &= bits >= 128 ? ~0ull : bits <= 64 ? 0 : vg_fh_prefix_mask(bits - 64);
		if (vg_filter_hit(f, vg_fh_addr(a[0], a[1], v6 ? 6 : 4, bits), VG_ATOM_DADDR, 0, type, cls))
			return 1;
	}
	return 0;
}

/* A connect's destination against the kernel filter (lib/filter.h): the process name, the
 * port, then the address. */
static __always_inline int vg_net_judge(__u32 type, long ret, const struct vg_sockaddr *remote)
{
	const struct vg_filter *f = vg_filter_get();
	__u32 cls = ret < 0 ? VG_FC_FAIL : 0;
	const struct vg_filter_type *t;
	int v = vg_filter_class(f, type, cls);

	if (v >= 0)
		return vg_filter_done(type, v);
	t = &f->type[type & (VG_FILTER_TYPES - 1)];
	if (vg_filter_comm_hit(f, type, cls) ||
	    (vg_kind(t, VG_ATOM_DPORT) && vg_filter_hit(f, vg_fh_port(remote->port), VG_ATOM_DPORT, 0, type, cls)) ||
	    (vg_kind(t, VG_ATOM_DADDR) && vg_net_addr_judge(f, type, cls, remote)))
		return VG_FILTER_MATCH;
	return vg_filter_done(type, VG_FILTER_DROP);
}

/* connect and bind take (fd, sockaddr, addrlen). The body is made on the stack, judged on
 * its destination, then copied into the record. */
static __always_inline int vg_net_exit(__u32 type, long ret)
{
	struct vg_sockaddr uaddr = {};
	struct vg_net body = {};
	struct vg_sysargs s;
	struct sock *sk;
	bool have_uaddr;
	int verdict = VG_FILTER_PASS;

	if (!vg_interested(type) || vg_is_self_or_standby())
		return 0;
	vg_syscall_args(&s);
	have_uaddr = vg_net_user_addr(&uaddr, (const void *)s.a[1], s.a[2]);
	if (!have_uaddr)
		return 0; /* not an inet address: unix sockets and the like */
	body.fd = s.a[0];
	sk = vg_file_inet_sock(vg_current_fd(s.a[0]));
	if (sk)
		vg_sock_endpoints(sk, &body.local, &body.remote, &body.proto);
	if (type == VG_EV_BIND) {
		__builtin_memset(&body.remote, 0, sizeof(body.remote));
		if (!sk || ret < 0 || body.local.port == 0) {
			body.local = uaddr;
			body.source = VG_NET_SRC_USER;
		}
	} else {
		if (!sk || body.remote.port == 0) {
			body.remote = uaddr;
			body.source = VG_NET_SRC_USER;
		}
		verdict = vg_net_judge(type, ret, &body.remote);
		if (verdict == VG_FILTER_DROP)
			return 0;
		if (sk && body.local.port == 0) {
			__u64 key = (__u64)sk;
			struct vg_net_refused_val *r = bpf_map_lookup_elem(&vg_net_refused, &key);

			if (r && r->remote.port == body.remote.port &&
			    vg_net_same_addr(r->remote.addr, body.remote.addr)) {
				body.local = r->local;
				bpf_map_delete_elem(&vg_net_refused, &key);
			}
		}
	}
	VG_BEGIN_JUDGED(h, n, type, struct vg_net, verdict == VG_FILTER_MATCH);
	h->ret = ret;
	*n = body;
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_connect")
int vg_net_connect_sys_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	return vg_net_exit(VG_EV_CONNECT, ctx->ret);
}

SEC("tp/syscalls/sys_exit_bind")
int vg_net_bind_sys_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	return vg_net_exit(VG_EV_BIND, ctx->ret);
}

/* A TCP connection connect(2) did not start (sys_exit_connect reports those): TCP Fast
 * Open (sendto/sendmsg with MSG_FASTOPEN), io_uring's IORING_OP_CONNECT, a 32-bit connect
 * or socketcall. The socket enters SYN_SENT in the caller's context (or its io_uring
 * worker's), so the current task and its syscall say who and how. The source port is not
 * chosen yet; the connection's result is not known (ret is -EINPROGRESS). */
static __always_inline int vg_net_connect_elsewhere(const struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	bool compat = task->thread_info.status & VG_TS_COMPAT;
	long nr = regs->orig_ax;
	__u8 via = VG_VIA_OTHER;

	if (!compat && nr == VG_NR_CONNECT)
		return 0;
	if (compat)
		via = VG_VIA_IA32;
	else if (nr == VG_NR_SENDTO || nr == VG_NR_SENDMSG || nr == VG_NR_SENDMMSG)
		via = nr == VG_NR_SENDTO ? VG_VIA_SENDTO : nr == VG_NR_SENDMSG ? VG_VIA_SENDMSG : VG_VIA_SENDMMSG;
	else if (nr == VG_NR_IO_URING_ENTER || (task->flags & VG_PF_IO_WORKER))
		via = VG_VIA_IO_URING;
	VG_BEGIN(h, n, VG_EV_CONNECT, struct vg_net);
	if (compat)
		h->flags |= VG_F_COMPAT32;
	h->ret = -VG_EINPROGRESS;
	n->fd = (__u32)-1;
	n->via = via;
	n->proto = VG_IPPROTO_TCP;
	vg_sock_state_endpoints(ctx, &n->local, &n->remote);
	if (n->local.port == 0)
		__builtin_memset(&n->local, 0, sizeof(n->local));
	return vg_submit(h);
}

/* Runs on every TCP state change; CLOSE -> SYN_SENT (a connection started) and
 * SYN_SENT -> CLOSE (a refused connect's source kept) do work. */
SEC("tp/sock/inet_sock_set_state")
int vg_net_connect_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct vg_net_refused_val r = {};
	__u64 key;

	if (ctx->oldstate == VG_TCP_CLOSE && ctx->newstate == VG_TCP_SYN_SENT && ctx->protocol == VG_IPPROTO_TCP &&
	    vg_interested(VG_EV_CONNECT))
		return vg_net_connect_elsewhere(ctx);
	if (ctx->oldstate != VG_TCP_SYN_SENT || ctx->newstate != VG_TCP_CLOSE ||
	    ctx->protocol != VG_IPPROTO_TCP || !vg_interested(VG_EV_CONNECT))
		return 0;
	key = (__u64)ctx->skaddr;
	vg_sock_state_endpoints(ctx, &r.local, &r.remote);
	bpf_map_update_elem(&vg_net_refused, &key, &r, BPF_ANY);
	return 0;
}

/* ---- accept ------------------------------------------------------------------ */

static __always_inline int vg_net_accept(long ret)
{
	struct sock *sk;

	if (ret < 0 || !vg_interested(VG_EV_ACCEPT))
		return 0;
	sk = vg_file_inet_sock(vg_current_fd(ret));
	if (!sk)
		return 0;
	VG_BEGIN(h, n, VG_EV_ACCEPT, struct vg_net);
	h->ret = ret;
	n->fd = ret;
	vg_sock_endpoints(sk, &n->local, &n->remote, &n->proto);
	return vg_submit(h);
}

SEC("tp/syscalls/sys_exit_accept")
int vg_net_accept_sys_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return vg_net_accept(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept4")
int vg_net_accept_sys_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return vg_net_accept(ctx->ret);
}

/* ---- packet and raw sockets ---------------------------------------------------- */

/* socket(2) that made a packet socket (AF_PACKET: sniffers, raw frames) or a raw socket
 * (SOCK_RAW: hand-made IP, ICMP tunnels and sweeps); everything else returns at once. */
SEC("tp/syscalls/sys_exit_socket")
int vg_net_socket_sys_exit_socket(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;
	__u32 type;

	if (ctx->ret < 0 || !vg_interested(VG_EV_SOCKET))
		return 0;
	vg_syscall_args(&s);
	type = s.a[1] & VG_SOCK_TYPE_MASK;
	if (s.a[0] != VG_AF_PACKET && type != VG_SOCK_RAW && type != VG_SOCK_PACKET)
		return 0;
	VG_BEGIN(h, k, VG_EV_SOCKET, struct vg_socket);
	h->ret = ctx->ret;
	k->family = s.a[0];
	k->type = s.a[1];
	k->protocol = s.a[2];
	return vg_submit(h);
}

/* ---- DNS --------------------------------------------------------------------- */

/* Circuit breaker: a token bucket per process (VG_DNS_BREAKER_PER_SEC, as much burst). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vg_bucket);
} vg_net_dns_breaker SEC(".maps");

/* False (and counted) when the process has spent its DNS events for now. */
static __always_inline bool vg_net_dns_allowed(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (vg_bucket_take(&vg_net_dns_breaker, &tgid, VG_DNS_BREAKER_PER_SEC, VG_DNS_BREAKER_PER_SEC))
		return true;
	vg_count_drop(VG_EV_DNS, VG_DROP_BREAKER);
	return false;
}

/* Walk over the qname copied into the record at base (n bytes): each label's length
 * byte becomes '.', so "\3www\7example\3com\0" reads ".www.example.com". It steps
 * byte by byte with bpf_loop's own index, because an offset carried from one iteration
 * to the next would make the verifier explore every value it can take. */
struct vg_dns_walk {
	__u8 *rec;
	__u32 base, n, next, end;
	bool done;
};

static long vg_dns_byte(__u64 i, void *arg)
{
	struct vg_dns_walk *w = arg;
	__u8 *b, len;

	if (i >= w->n) {
		w->end = w->n;
		return 1;
	}
	if (i != w->next)
		return 0;
	b = w->rec + ((w->base + i) & (VG_SCRATCH_SIZE - 1));
	len = *b;
	w->end = i;
	if (len == 0) {
		w->done = true;
		return 1;
	}
	if (len & 0xc0)
		return 1; /* a compression pointer or reserved type: not a plain query name */
	*b = '.';
	w->next = i + len + 1;
	return 0;
}

/* Reports the query in buf (len bytes) sent on sk to dest. */
static __always_inline int vg_dns_emit(struct sock *sk, const struct vg_sockaddr *dest, const __u8 *buf,
				       __u64 len, __u8 via)
{
	__u16 hdr[VG_DNS_HDR / 2];
	struct vg_dns_walk w = {};
	__u32 n;

	if (len < VG_DNS_MIN || len > VG_DNS_MAX_LEN)
		return 0;
	if (bpf_probe_read_user(hdr, sizeof(hdr), buf) < 0)
		return 0;
	/* a standard query (QR = 0, opcode 0) with at least one question */
	if ((__builtin_bswap16(hdr[1]) & 0xf800) != 0 || hdr[2] == 0)
		return 0;
	if (!vg_net_dns_allowed())
		return 0;
	VG_BEGIN(h, d, VG_EV_DNS, struct vg_dns);
	d->id = __builtin_bswap16(hdr[0]);
	d->via = via;
	vg_sock_endpoints(sk, &d->local, &d->remote, &d->proto);
	if (dest)
		d->remote = *dest;
	n = len - VG_DNS_HDR;
	if (n > VG_DNS_NAME_MAX + 5)
		n = VG_DNS_NAME_MAX + 5; /* name, qtype, qclass */
	w.base = h->size;
	if (vg_put_user_bytes(h, &d->qname, buf + VG_DNS_HDR, n) <= 0)
		return 0;
	w.rec = (__u8 *)h;
	w.n = d->qname.len;
	bpf_loop(VG_DNS_NAME_MAX + 1, vg_dns_byte, &w, 0);
	if (w.end > w.n)
		w.end = w.n;
	if (w.done && w.end + 3 <= w.n) {
		__u32 q = w.base + w.end + 1;

		d->qtype = w.rec[q & (VG_SCRATCH_SIZE - 1)] << 8 | w.rec[(q + 1) & (VG_SCRATCH_SIZE - 1)];
	}
	d->name_truncated = !w.done;
	/* drop the leading '.' and whatever followed the name */
	d->qname.off = w.base + 1;
	d->qname.len = w.end > 0 ? w.end - 1 : 0;
	h->size = w.base + w.end;
	return vg_submit(h);
}

/* The UDP socket behind fd, when it may carry DNS; NULL otherwise. */
static __always_inline struct sock *vg_dns_sock(__u32 fd)
{
	struct sock *sk = vg_file_inet_sock(vg_current_fd(fd));

	if (!sk || sk->sk_protocol != VG_IPPROTO_UDP)
		return NULL;
	return sk;
}

/* The query's destination: the sockaddr given, else the connected peer; false unless
 * it is port 53. */
static __always_inline bool vg_dns_dest(struct sock *sk, const void *uaddr, __u32 ulen,
					struct vg_sockaddr *dest, bool *given)
{
	*given = uaddr != NULL;
	if (*given)
		return vg_net_user_addr(dest, uaddr, ulen) && dest->port == VG_DNS_PORT;
	return __builtin_bswap16(sk->__sk_common.skc_dport) == VG_DNS_PORT;
}

static __always_inline int vg_dns_msg(struct sock *sk, const struct user_msghdr *um, __u8 via)
{
	struct user_msghdr m;
	struct vg_sockaddr dest = {};
	struct iovec iov;
	bool given;

	if (bpf_probe_read_user(&m, sizeof(m), um) < 0 || m.msg_iovlen == 0)
		return 0;
	if (!vg_dns_dest(sk, m.msg_name, m.msg_namelen, &dest, &given))
		return 0;
	/* the query is expected whole in the first iovec */
	if (bpf_probe_read_user(&iov, sizeof(iov), m.msg_iov) < 0)
		return 0;
	return vg_dns_emit(sk, given ? &dest : NULL, iov.iov_base, iov.iov_len, via);
}

SEC("tp/syscalls/sys_exit_sendto")
int vg_net_dns_sys_exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sockaddr dest = {};
	struct vg_sysargs s;
	struct sock *sk;
	bool given;

	if (ctx->ret < VG_DNS_MIN || !vg_interested(VG_EV_DNS))
		return 0;
	vg_syscall_args(&s);
	if (s.a[2] > VG_DNS_MAX_LEN)
		return 0;
	sk = vg_dns_sock(s.a[0]);
	if (!sk || !vg_dns_dest(sk, (const void *)s.a[4], s.a[5], &dest, &given))
		return 0;
	return vg_dns_emit(sk, given ? &dest : NULL, (const __u8 *)s.a[1], s.a[2], VG_DNS_SENDTO);
}

SEC("tp/syscalls/sys_exit_sendmsg")
int vg_net_dns_sys_exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	struct vg_sysargs s;
	struct sock *sk;

	if (ctx->ret < VG_DNS_MIN || !vg_interested(VG_EV_DNS))
		return 0;
	vg_syscall_args(&s);
	sk = vg_dns_sock(s.a[0]);
	if (!sk)
		return 0;
	return vg_dns_msg(sk, (const struct user_msghdr *)s.a[1], VG_DNS_SENDMSG);
}

/* The result is the number of messages sent: only those are looked at. */
SEC("tp/syscalls/sys_exit_sendmmsg")
int vg_net_dns_sys_exit_sendmmsg(struct trace_event_raw_sys_exit *ctx)
{
	const struct mmsghdr *msgs;
	struct vg_sysargs s;
	struct sock *sk;
	long sent = ctx->ret;

	if (sent <= 0 || !vg_interested(VG_EV_DNS))
		return 0;
	vg_syscall_args(&s);
	msgs = (const struct mmsghdr *)s.a[1];
	sk = vg_dns_sock(s.a[0]);
	if (!sk)
		return 0;
	for (__u32 i = 0; i < VG_DNS_MMSG && i < sent; i++)
		vg_dns_msg(sk, &msgs[i].msg_hdr, VG_DNS_SENDMMSG);
	return 0;
}

/* ---- port scans -------------------------------------------------------------- */

struct vg_scan_key {
	__u8 addr[16];
	__u16 family;
	__u16 pad;
};

struct vg_scan_state {
	__u64 first;       /* window start (boot ns) */
	__u64 quiet_until; /* reported: silent until then */
	__u32 count;       /* distinct ports in the window */
	__u32 pad;
	__u64 bits[VG_SCAN_BITS / 64];
	__u16 sample[VG_SCAN_SAMPLE];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vg_scan_key);
	__type(value, struct vg_scan_state);
} vg_net_scan SEC(".maps");

/* The tracepoint stores struct sockaddr_in / sockaddr_in6 in 28 bytes. */
static __always_inline void vg_scan_addr(struct vg_sockaddr *out, const __u8 *sa)
{
	out->family = sa[0] | sa[1] << 8;
	out->port = sa[2] << 8 | sa[3];
	if (out->family == VG_AF_INET)
		__builtin_memcpy(out->addr, sa + 4, 4);
	else
		__builtin_memcpy(out->addr, sa + 8, 16);
}

/* Counts RSTs sent without a socket (a segment to a closed port) per remote address. */
SEC("tp/tcp/tcp_send_reset")
int vg_net_portscan_tcp_send_reset(struct trace_event_raw_tcp_send_reset *ctx)
{
	struct vg_sockaddr src = {}, dst = {};
	struct vg_scan_key key = {};
	__u8 saddr[28], daddr[28];
	struct vg_scan_state *st;
	__u64 now, mask, *word;
	__u32 bit, n;

	if (ctx->skaddr || !vg_interested(VG_EV_PORTSCAN))
		return 0;
	bpf_probe_read_kernel(saddr, sizeof(saddr), ctx->saddr);
	bpf_probe_read_kernel(daddr, sizeof(daddr), ctx->daddr);
	vg_scan_addr(&src, daddr); /* the RST goes back to the scanner */
	vg_scan_addr(&dst, saddr);
	if (src.family != VG_AF_INET && src.family != VG_AF_INET6)
		return 0;
	__builtin_memcpy(key.addr, src.addr, 16);
	key.family = src.family;
	now = bpf_ktime_get_boot_ns();
	st = bpf_map_lookup_elem(&vg_net_scan, &key);
	if (!st) {
		struct vg_scan_state fresh = { .first = now };

		bpf_map_update_elem(&vg_net_scan, &key, &fresh, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&vg_net_scan, &key);
		if (!st)
			return 0;
	}
	if (now < st->quiet_until)
		return 0;
	if (now - st->first > VG_SCAN_WINDOW_NS) {
		__builtin_memset(st->bits, 0, sizeof(st->bits));
		__builtin_memset(st->sample, 0, sizeof(st->sample));
		st->count = 0;
		st->first = now;
	}
	bit = ((__u32)dst.port * 2654435761u) >> 22; /* multiplicative hash to 10 bits */
	mask = 1ull << (bit & 63);
	word = &st->bits[(bit >> 6) & (VG_SCAN_BITS / 64 - 1)];
	if (*word & mask)
		return 0;
	/* no fetch atomics at -mcpu=v1: racing CPUs may lose a bit or report twice, never
	 * stall, since the report waits for ">=" and then for quiet_until */
	__sync_fetch_and_or(word, mask);
	__sync_fetch_and_add(&st->count, 1);
	n = st->count;
	if (n <= VG_SCAN_SAMPLE)
		st->sample[(n - 1) & (VG_SCAN_SAMPLE - 1)] = dst.port;
	/* the task is whoever was current when the RST left (softirq): when that is vigil
	 * itself, VG_BEGIN would drop the report, so leave it to the next RST */
	if (n < VG_SCAN_PORTS || now < st->quiet_until || vg_is_self_or_standby())
		return 0;
	st->quiet_until = now + VG_SCAN_WINDOW_NS;

	VG_BEGIN(h, s, VG_EV_PORTSCAN, struct vg_portscan);
	s->source = src;
	s->target = dst;
	s->ports = n;
	s->window_ms = (now - st->first) / 1000000;
	__builtin_memcpy(s->sample, st->sample, sizeof(s->sample));
	return vg_submit(h);
}

/* tcplife.bpf.c — TCP connections when they close, with their bytes and duration (as
 * libbpf-tools' tcplife, from sock:inet_sock_set_state): a socket's first state change
 * stamps its birth; SYN_SENT (connect) and LAST_ACK (close after the peer's FIN) name
 * the process, both in its own context; CLOSE reports the payload bytes acknowledged and
 * received.
 * The two tracking maps are capped; a connection that finds them full is counted. */
#include "lib/tool_ring.h"
#include "tools/tcp.h"

#define VG_TCP_SYN_SENT 2
#define VG_TCP_FIN_WAIT1 4
#define VG_TCP_FIN_WAIT2 5
#define VG_TCP_TIME_WAIT 6
#define VG_TCP_CLOSE 7
#define VG_TCP_LAST_ACK 9
#define VG_TCP_CLOSING 11
#define VG_TCPLIFE_SOCKS 10240

struct vg_tcplife_ident {
	__u32 pid;
	__u32 uid;
	__u64 start_time;
	__u64 cgroup_id;
	char comm[VG_COMM_LEN];
};

struct vg_tcplife_birth {
	__u64 ts;      /* boot ns of its last state change before FIN_WAIT1 */
	__u32 active;  /* it was born by connect (SYN_SENT) */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_TCPLIFE_SOCKS);
	__type(key, __u64); /* struct sock * */
	__type(value, struct vg_tcplife_birth);
} vg_tcplife_birth SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_TCPLIFE_SOCKS);
	__type(key, __u64);
	__type(value, struct vg_tcplife_ident);
} vg_tcplife_idents SEC(".maps");

/* bytes_acked and bytes_received count sequence numbers, and SYN and FIN take one each:
 * the payload is what is left without them. A connect's SYN is counted once acked (a
 * passive open's SYN-ACK is not: snd_una starts after it); our FIN was sent when the
 * socket closes from a FIN state, and acked when snd_una reached write_seq (which counts
 * it). */
static __always_inline __u64 vg_tcplife_payload_sent(struct tcp_sock *tp, int oldstate, bool active)
{
	__u64 acked = tp->bytes_acked;
	bool fin_sent = oldstate == VG_TCP_FIN_WAIT1 || oldstate == VG_TCP_FIN_WAIT2 || oldstate == VG_TCP_TIME_WAIT ||
			oldstate == VG_TCP_LAST_ACK || oldstate == VG_TCP_CLOSING;

	if (acked && active)
		acked--;
	if (acked && fin_sent && tp->snd_una == tp->write_seq)
		acked--;
	return acked;
}

/* Before 6.10 sk_flags was struct sock's own field; since, it is in sock_common. */
struct sock___old {
	unsigned long sk_flags;
} __attribute__((preserve_access_index));

/* The peer's FIN, once received, set SOCK_DONE (tcp_fin) and advanced rcv_nxt by one. */
static __always_inline __u64 vg_tcplife_payload_received(struct tcp_sock *tp)
{
	struct sock *sk = &tp->inet_conn.icsk_inet.sk;
	__u64 rcvd = tp->bytes_received;
	unsigned long flags;

	if (bpf_core_field_exists(sk->__sk_common.skc_flags))
		flags = sk->__sk_common.skc_flags;
	else
		flags = BPF_CORE_READ((struct sock___old *)sk, sk_flags);

	if (rcvd && (flags >> bpf_core_enum_value(enum sock_flags, SOCK_DONE) & 1))
		rcvd--;
	return rcvd;
}

SEC("tp/sock/inet_sock_set_state")
int vg_tool_tcplife_inet_sock_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr, now = bpf_ktime_get_boot_ns();
	struct vg_tcplife_birth *birth;
	int newstate = ctx->newstate;
	struct vg_tcplife_ident *id;
	struct tcp_sock *tp;

	/* each ctx field is loaded once, at its constant offset (the verifier rejects a
	 * load through a ctx pointer the compiler has moved) */
	asm volatile("" : "+r"(newstate));
	if (ctx->protocol != VG_IPPROTO_TCP)
		return 0;
	if (newstate < VG_TCP_FIN_WAIT1) {
		struct vg_tcplife_birth b = { .ts = now, .active = newstate == VG_TCP_SYN_SENT };

		if ((birth = bpf_map_lookup_elem(&vg_tcplife_birth, &sk))) {
			birth->ts = now;
		} else if (bpf_map_update_elem(&vg_tcplife_birth, &sk, &b, BPF_ANY) < 0) {
			vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
		}
	}
	if (newstate == VG_TCP_SYN_SENT || newstate == VG_TCP_LAST_ACK) {
		struct vg_tcplife_ident me = {};
		struct task_struct *task = bpf_get_current_task_btf();

		me.pid = bpf_get_current_pid_tgid() >> 32;
		me.uid = (__u32)bpf_get_current_uid_gid();
		me.start_time = task->group_leader->start_boottime;
		me.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(me.comm, sizeof(me.comm));
		if (bpf_map_update_elem(&vg_tcplife_idents, &sk, &me, BPF_ANY) < 0)
			vg_tool_lose(VG_TOOL_LOSS_MAP_FULL);
	}
	if (newstate != VG_TCP_CLOSE)
		return 0;
	birth = bpf_map_lookup_elem(&vg_tcplife_birth, &sk);
	id = bpf_map_lookup_elem(&vg_tcplife_idents, &sk);
	if (!birth)
		goto done; /* born before we attached */
	if (id ? !vg_tool_pid_wanted(id->pid) : !vg_tool_wanted())
		goto done;
	{
		struct vg_hdr *h = vg_tool_begin(0, sizeof(struct vg_tcp_conn));
		struct vg_tcp_conn *c;

		if (!h)
			goto done;
		c = vg_body(h);
		__builtin_memset(c, 0, sizeof(*c));
		if (id) { /* the process that opened or closed it, not whoever runs now (softirq) */
			h->pid = h->tid = id->pid;
			h->uid = id->uid;
			h->start_time = id->start_time;
			h->cgroup_id = id->cgroup_id;
			__builtin_memcpy(h->comm, id->comm, sizeof(h->comm));
		}
		c->span_ns = now - birth->ts;
		vg_sock_state_endpoints(ctx, &c->local, &c->remote);
		tp = VG_CAST(tcp_sock, (void *)sk);
		c->tx_bytes = vg_tcplife_payload_sent(tp, ctx->oldstate, birth->active);
		c->rx_bytes = vg_tcplife_payload_received(tp);
		vg_tool_submit(h);
	}
done:
	bpf_map_delete_elem(&vg_tcplife_birth, &sk);
	bpf_map_delete_elem(&vg_tcplife_idents, &sk);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

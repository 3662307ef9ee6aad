/* lateral.h — one connection seen from its two hosts: host A's connect and host B's accept
 * (or the ssh session B's sshd opened for it) are the two ends of one TCP connection when
 * their 5-tuples mirror each other, A's connect source and destination being B's accept
 * destination and source, and their times agree within VG_LATERAL_SKEW_NS (the hosts'
 * clocks and the handshake). It is how lateral movement becomes one incident
 * (group.c links an alert on B's side to the incident of A's client process, and back)
 * and how the attack path crosses hosts (graph.c draws a `lateral` edge from A's client
 * to B's server or session).
 *
 * Both ends must see the same addresses: a NAT or a proxy between the hosts hides the
 * match (the connection then stays two incidents, one per host). An IPv4 address and its
 * IPv4-mapped IPv6 form (a dual-stack listener's view) are the same address. */
#ifndef VIGIL_LATERAL_H
#define VIGIL_LATERAL_H

#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"

#define VG_LATERAL_SKEW_NS (5 * 1000000000ull)

/* One end as the store holds it (an event's flow): sip/sport are this end (connect: the
 * client's local address; accept and ssh session: the server's), dip/dport the other. */
struct vg_conn_end {
	int64_t host;    /* hosts.id */
	bool accepted;   /* the server's end (accept, ssh session), else a connect */
	char proto[8];
	char sip[48], dip[48];
	int sport, dport;
};

/* a and b are the two ends of one connection: other hosts, one client and one server,
 * mirrored 5-tuples. Time is the caller's (vg_lateral_peers takes a range). */
bool vg_conn_ends_match(const struct vg_conn_end *a, const struct vg_conn_end *b);
/* The server's end an ssh session names: SSH_CONNECTION "CLIENT_IP CLIENT_PORT SERVER_IP
 * SERVER_PORT" on host; false when it is not that. */
bool vg_conn_end_from_ssh(const char *ssh_connection, int64_t host, struct vg_conn_end *out);
/* The end of event row `event` (a connect or accept with a flow); false when it is not one. */
bool vg_conn_end_of_event(struct vg_store *st, int64_t event, struct vg_conn_end *out, uint64_t *ts);

/* Calls fn for each event on another host between from and to (ns) that is the other end
 * of end's connection, with that event's process (procs.id) and id, until fn returns
 * nonzero (which it then returns). 0 when done, -1 on a store error. */
int vg_lateral_peers(struct vg_store *st, const struct vg_conn_end *end, uint64_t from, uint64_t to,
		     int (*fn)(int64_t proc, int64_t event, void *ctx), void *ctx);

#endif

/* sink_syslog.c — RFC 5424 syslog, to the local daemon or to a server over UDP or TCP.
 *
 *   syslog:                          the local socket, /dev/log
 *   syslog:/run/x/log                another local (unix datagram) socket
 *   syslog://HOST[:PORT][;proto=tcp] a server, UDP by default, port 514; TCP frames use
 *                                    RFC 6587 octet counting ("LEN SP MSG")
 *
 * Each record is "<PRI>1 TIMESTAMP HOSTNAME APP PROCID MSGID - MSG": the facility
 * (default auth) and a severity from the alert's priority (Falco's priorities are syslog's
 * severities, emergency 0 .. debug 7; events and stats are informational), UTC time with
 * microseconds, MSGID the event type, "alert" or "stats", and the record's JSON as MSG
 * (with its record_id). Records go through the disk spool like every network sink's.
 * syslog has no acknowledgement: a record counts as delivered once the socket took it,
 * so over UDP a server that is down loses what is sent to it, and over TCP a connection
 * that breaks can lose what the kernel still buffered (before a batch the sender checks
 * that the server has not closed the connection). */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "host.h"
#include "output/netsink.h"
#include "output/sink.h"
#include "output/sinkopt.h"
#include "output/stats.h"
#include "rules/rules.h"

#define DGRAM_MAX 65000 /* longer datagrams are cut (counted in "truncated") */
#define BATCH 256

enum { PROTO_UDP, PROTO_TCP };

static const char *const proto_choices[] = { "udp", "tcp", NULL };
static const char *const facility_choices[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
	"ntp", "security", "console", "solaris-cron", "local0", "local1", "local2", "local3", "local4", "local5",
	"local6", "local7", NULL,
};

struct syslog_opts {
	int proto, facility;
	char app[49];
	struct vg_netsink_opts net;
};

static const struct vg_sinkopt syslog_options[] = {
	{ "proto", VG_SO_ENUM, offsetof(struct syslog_opts, proto), 0, proto_choices,
	  "for syslog:// (default udp)" },
	{ "facility", VG_SO_ENUM, offsetof(struct syslog_opts, facility), 0, facility_choices,
	  "syslog facility (default auth)" },
	{ "app_name", VG_SO_STR, offsetof(struct syslog_opts, app), sizeof(((struct syslog_opts *)0)->app), NULL,
	  "APP-NAME field (default vigil)" },
	VG_NETSINK_OPTIONS(struct syslog_opts),
	VG_SINKOPT_END,
};

struct syslog_sink {
	struct syslog_opts o;
	struct vg_netsink n;
	bool local;
	char path[108];            /* local */
	char host[256], port[16];  /* remote */
	char hostname[256];        /* HOSTNAME field: printable ASCII, no spaces */
	struct vg_buf msg;         /* the loop's scratch */
	int fd;                    /* the sender's socket */
	atomic_uint_fast64_t truncated;
};

/* "<PRI>1 TIMESTAMP HOSTNAME APP PROCID MSGID - " then the record. */
static void format(struct syslog_sink *s, int severity, uint64_t ts_ns, const char *msgid, const struct vg_buf *rec)
{
	time_t secs = (time_t)(ts_ns / 1000000000ull);
	struct tm tm;
	char stamp[32];

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	vg_buf_reset(&s->msg);
	vg_buf_printf(&s->msg, "<%d>1 %s.%06lluZ %s %s %d %s - ", s->o.facility * 8 + severity, stamp,
		      (unsigned long long)(ts_ns / 1000 % 1000000), s->hostname, s->o.app, (int)getpid(), msgid);
	vg_buf_put(&s->msg, rec->p, rec->len);
	vg_netsink_put(&s->n, ts_ns, NULL, 0, s->msg.p, s->msg.len);
}

static void syslog_event(struct vg_sink *sk, const struct vg_event *ev)
{
	struct syslog_sink *s = sk->priv;

	format(s, VG_PRIO_INFORMATIONAL, ev->ts_ns, vg_event_name(ev->type), vg_netsink_event_json(&s->n, ev));
}

static void syslog_alert(struct vg_sink *sk, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct syslog_sink *s = sk->priv;

	format(s, (int)a->priority, a->ev->ts_ns, "alert", vg_netsink_alert_json(&s->n, a, v));
}

static void syslog_stats(struct vg_sink *sk, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	struct syslog_sink *s = sk->priv;

	format(s, VG_PRIO_INFORMATIONAL, x->wall_ns, "stats", vg_netsink_stats_json(&s->n, c, x));
}

/* ---- the sender thread ---- */

static void disconnect(struct syslog_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	atomic_store(&s->n.connected, false);
}

static int connect_local(struct syslog_sink *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", s->path);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd >= 0 && connect(s->fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return 0;
	vg_netsink_fail(&s->n, "cannot reach the syslog socket %s: %s", s->path, strerror(errno));
	disconnect(s);
	return -1;
}

/* A connect that gives up after 5 s; TCP sockets then get a 10 s send timeout. */
static int connect_remote(struct syslog_sink *s)
{
	struct addrinfo hints = { .ai_socktype = s->o.proto == PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM }, *res, *ai;
	int rc = getaddrinfo(s->host, s->port, &hints, &res), err = 0;

	if (rc) {
		vg_netsink_fail(&s->n, "cannot resolve %s: %s", s->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		struct timeval tv = { 10, 0 };
		socklen_t len = sizeof(err);

		s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s->fd < 0) {
			err = errno;
			continue;
		}
		if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			err = errno;
			disconnect(s);
			continue;
		}
		p = (struct pollfd){ .fd = s->fd, .events = POLLOUT };
		if (poll(&p, 1, 5000) != 1 || getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			err = err ? err : ETIMEDOUT;
			disconnect(s);
			continue;
		}
		fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
		setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		break;
	}
	freeaddrinfo(res);
	if (s->fd >= 0)
		return 0;
	vg_netsink_fail(&s->n, "cannot connect to %s:%s (%s): %s", s->host, s->port, proto_choices[s->o.proto],
			strerror(err));
	return -1;
}

/* A TCP server that closed the connection is seen before more is written into it. */
static bool peer_closed(struct syslog_sink *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLRDHUP };
	char c;

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR) ||
				       recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0);
}

/* Sends the n records framed in out (record i ends at ends[i]); returns how many went. */
static int send_batch(struct syslog_sink *s, const struct vg_buf *out, const size_t *ends, int n)
{
	size_t done = 0;
	int sent = 0;

	if (s->local || s->o.proto == PROTO_UDP) {
		for (size_t start = 0; sent < n; start = ends[sent++]) {
			size_t len = ends[sent] - start;

			if (len > DGRAM_MAX) {
				len = DGRAM_MAX;
				atomic_fetch_add(&s->truncated, 1);
			}
			if (send(s->fd, out->p + start, len, 0) < 0) {
				vg_netsink_fail(&s->n, "send to %s: %s", s->n.name, strerror(errno));
				break;
			}
		}
		return sent;
	}
	while (done < out->len) {
		ssize_t w = send(s->fd, out->p + done, out->len - done, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			vg_netsink_fail(&s->n, "write to %s: %s", s->n.name, w < 0 ? strerror(errno) : "closed");
			break;
		}
		done += (size_t)w;
	}
	while (sent < n && ends[sent] <= done)
		sent++;
	return sent;
}

static void *sender(void *arg)
{
	struct syslog_sink *s = arg;
	struct vg_buf out = { 0 };
	uint64_t seqs[BATCH];
	size_t ends[BATCH];
	unsigned attempt = 0;

	while (vg_netsink_running(&s->n)) {
		struct vg_spool_rec r;
		int n = 0, sent;

		if (s->fd >= 0 && !s->local && s->o.proto == PROTO_TCP && peer_closed(s))
			disconnect(s);
		if (s->fd < 0) {
			if ((s->local ? connect_local(s) : connect_remote(s)) < 0) {
				vg_netsink_backoff(&s->n, attempt++);
				continue;
			}
			atomic_store(&s->n.connected, true);
		}
		vg_buf_reset(&out);
		while (n < BATCH && out.len < (256u << 10) && vg_spool_read(s->n.spool, &r) == 1) {
			if (!s->local && s->o.proto == PROTO_TCP)
				vg_buf_printf(&out, "%zu ", r.len);
			vg_buf_put(&out, r.data, r.len);
			seqs[n] = r.seq;
			ends[n++] = out.len;
		}
		if (!n) {
			vg_spool_ack(s->n.spool, UINT64_MAX, 0);
			vg_netsink_maintain(&s->n);
			vg_spool_wait(s->n.spool, 200);
			continue;
		}
		sent = send_batch(s, &out, ends, n);
		atomic_fetch_add(&s->n.delivered, (uint64_t)sent);
		if (sent < n) {
			disconnect(s);
			vg_spool_rewind(s->n.spool, seqs[sent]);
			vg_spool_ack(s->n.spool, seqs[sent], 0);
			vg_netsink_backoff(&s->n, attempt++);
			continue;
		}
		attempt = 0;
		vg_netsink_recovered(&s->n);
		vg_spool_ack(s->n.spool, UINT64_MAX, 0);
		vg_netsink_maintain(&s->n);
	}
	vg_spool_ack(s->n.spool, vg_spool_read_seq(s->n.spool), 0);
	disconnect(s);
	vg_buf_free(&out);
	return NULL;
}

/* ---- open, counters, close ---- */

static int parse_target(struct syslog_sink *s, const char *t, char *err, size_t errlen)
{
	const char *hp, *colon;

	if (strncmp(t, "//", 2)) {
		s->local = true;
		if (strlen(t) >= sizeof(s->path)) {
			snprintf(err, errlen, "socket path too long");
			return -1;
		}
		snprintf(s->path, sizeof(s->path), "%s", t[0] ? t : "/dev/log");
		return 0;
	}
	hp = t + 2;
	if (*hp == '[') { /* [v6]:port */
		const char *end = strchr(hp, ']');

		if (!end) {
			snprintf(err, errlen, "syslog://[ADDRESS]:PORT: missing ']'");
			return -1;
		}
		snprintf(s->host, sizeof(s->host), "%.*s", (int)(end - hp - 1), hp + 1);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(hp, ':');
		snprintf(s->host, sizeof(s->host), "%.*s", colon ? (int)(colon - hp) : (int)strlen(hp), hp);
	}
	snprintf(s->port, sizeof(s->port), "%s", colon && colon[1] ? colon + 1 : "514");
	if (!s->host[0] || strspn(s->port, "0123456789") != strlen(s->port)) {
		snprintf(err, errlen, "expected syslog://HOST[:PORT], not 'syslog:%s'", t);
		return -1;
	}
	return 0;
}

static int syslog_open(struct vg_sink *sk, const char *arg, char *err, size_t errlen)
{
	struct syslog_sink *s = calloc(1, sizeof(*s));
	char target[300];
	size_t k = 0;

	if (!s)
		abort();
	s->fd = -1;
	s->o.facility = 4; /* auth */
	snprintf(s->o.app, sizeof(s->o.app), "vigil");
	vg_netsink_defaults(&s->o.net);
	if (vg_sinkopt_parse(syslog_options, &s->o, arg, target, sizeof(target), err, errlen) < 0 ||
	    parse_target(s, target, err, errlen) < 0)
		goto fail;
	/* RFC 5424 HOSTNAME and APP-NAME: printable US-ASCII without spaces */
	for (const char *p = vg_host_name(); *p && k < sizeof(s->hostname) - 1; p++)
		s->hostname[k++] = *p > ' ' && *p < 127 ? *p : '_';
	if (!k)
		s->hostname[k++] = '-';
	for (char *p = s->o.app; *p; p++)
		if (*p <= ' ' || *p >= 127)
			*p = '_';
	s->n.o = s->o.net;
	if (vg_netsink_open(&s->n, "syslog", s->local ? s->path : target + 2, err, errlen) < 0)
		goto fail;
	if (vg_netsink_start(&s->n, sender, s, err, errlen) < 0) {
		vg_netsink_close(&s->n);
		goto fail;
	}
	sk->priv = s;
	return 0;
fail:
	free(s);
	return -1;
}

static void syslog_flush(struct vg_sink *sk, uint64_t now_ns)
{
	vg_netsink_flush(&((struct syslog_sink *)sk->priv)->n);
}

static void syslog_counters(const struct vg_sink *sk, struct vg_sink_counters *c)
{
	vg_netsink_counters(&((struct syslog_sink *)sk->priv)->n, c);
}

static void syslog_detail(const struct vg_sink *sk, struct vg_buf *b)
{
	struct syslog_sink *s = sk->priv;

	vg_netsink_detail(&s->n, b);
	vg_buf_printf(b, ",\"truncated\":%llu", (unsigned long long)atomic_load(&s->truncated));
}

static void syslog_close(struct vg_sink *sk)
{
	struct syslog_sink *s = sk->priv;

	vg_netsink_close(&s->n);
	vg_buf_free(&s->msg);
	free(s);
}

const struct vg_sink_type vg_sink_syslog = {
	.scheme = "syslog",
	.usage = "syslog:[PATH]  RFC 5424 to the local socket (/dev/log); syslog://HOST[:PORT] over UDP/TCP",
	.options = syslog_options,
	.open = syslog_open,
	.event = syslog_event,
	.alert = syslog_alert,
	.stats = syslog_stats,
	.flush = syslog_flush,
	.counters = syslog_counters,
	.detail = syslog_detail,
	.close = syslog_close,
};

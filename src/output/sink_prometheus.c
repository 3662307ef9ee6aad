/* sink_prometheus.c — the prometheus sink: the agent's metrics at http://ADDR:PORT/metrics
 * in the text exposition format (prometheus.c), for a Prometheus server to scrape.
 * `--sink prometheus:ADDR:PORT[,public]`, or `vigil run --metrics ADDR:PORT[,public]`.
 *
 * The HTTP server is libmicrohttpd's, on its own thread. The agent's thread renders the
 * page from each metrics snapshot (and counts the alerts it is handed, by rule and
 * priority); the server's thread only copies the last page out under a lock, so a scrape
 * never reads the agent's state while it changes. Values are as of the last snapshot
 * (vigil run --metrics-interval, default 10 s).
 *
 * Metrics tell what runs on the host, so the address must be a loopback one unless the
 * spec says ",public". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "output/prometheus.h"
#include "output/sink.h"
#include "rules/rules.h"

#define MAX_ALERT_RULES 4096

struct prom {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	struct vg_buf page;     /* the last rendered page (under lock) */
	struct vg_buf next;     /* rendered here, then swapped in */
	struct vg_prom_alert *alerts;
	size_t nalerts;
	uint64_t taken, errors, scrapes;
};

static const char content_type[] = "text/plain; version=0.0.4; charset=utf-8";

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type, const char *body,
			     size_t len, struct prom *p)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ok;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	if (ok != MHD_YES) {
		pthread_mutex_lock(&p->lock);
		p->errors++;
		pthread_mutex_unlock(&p->lock);
	}
	return ok;
}

/* On the server's thread. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	static const char not_found[] = "vigil serves /metrics only\n", not_allowed[] = "GET or HEAD only\n";
	struct prom *p = cls;
	enum MHD_Result ok;
	char *copy;
	size_t len;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed, sizeof(not_allowed) - 1, p);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof(not_found) - 1, p);
	pthread_mutex_lock(&p->lock);
	len = p->page.len;
	copy = malloc(len ? len : 1);
	if (copy)
		memcpy(copy, p->page.p, len);
	p->scrapes++;
	pthread_mutex_unlock(&p->lock);
	if (!copy)
		return MHD_NO;
	ok = reply(conn, MHD_HTTP_OK, content_type, copy, len, p);
	free(copy);
	return ok;
}

/* Renders the page from m into next and swaps it in. */
static void publish(struct prom *p, const struct vg_metrics *m)
{
	struct vg_buf swap;

	vg_buf_reset(&p->next);
	vg_prom_render(&p->next, m, p->alerts, p->nalerts);
	pthread_mutex_lock(&p->lock);
	swap = p->page;
	p->page = p->next;
	p->next = swap;
	pthread_mutex_unlock(&p->lock);
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* "PORT", "ADDR:PORT" or "[V6ADDR]:PORT", then ",public" when a non-loopback address is
 * meant. */
static int parse_listen(const char *arg, struct sockaddr_storage *ss, bool *public, char *err, size_t errlen)
{
	char host[128] = "127.0.0.1", port[16];
	const char *comma = strchr(arg, ','), *colon;
	size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
	char spec[160];
	long portnum;
	char *end;

	*public = comma && strcmp(comma, ",public") == 0;
	if (comma && !*public) {
		snprintf(err, errlen, "unknown option '%s' (only ,public)", comma + 1);
		return -1;
	}
	if (len >= sizeof(spec)) {
		snprintf(err, errlen, "address too long");
		return -1;
	}
	memcpy(spec, arg, len);
	spec[len] = 0;
	colon = strrchr(spec, ':');
	if (colon) {
		size_t hl = (size_t)(colon - spec);

		if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']')
			snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), spec + 1);
		else
			snprintf(host, sizeof(host), "%.*s", (int)hl, spec);
		snprintf(port, sizeof(port), "%s", colon + 1);
	} else {
		snprintf(port, sizeof(port), "%s", spec);
	}
	portnum = strtol(port, &end, 10);
	if (!port[0] || *end || portnum < 0 || portnum > 65535) {
		snprintf(err, errlen, "'%s' is not ADDR:PORT (e.g. 127.0.0.1:9464)", arg);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)portnum);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)portnum);
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", host);
		return -1;
	}
	if (!is_loopback(ss) && !*public) {
		snprintf(err, errlen,
			 "%s is not a loopback address: the metrics would be served to the network; "
			 "add ,public to mean it (%s,public)",
			 host, arg);
		return -1;
	}
	return 0;
}

static int prom_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct prom *p;
	bool public;
	const union MHD_DaemonInfo *info;
	char addr[INET6_ADDRSTRLEN] = "";

	if (parse_listen(arg, &ss, &public, err, errlen) < 0)
		return -1;
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&p->lock, NULL);
	vg_prom_render(&p->page, NULL, NULL, 0);
	p->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
					     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, on_request, p, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!p->daemon) {
		snprintf(err, errlen, "cannot listen on %s: %s", arg, strerror(errno ? errno : EADDRINUSE));
		pthread_mutex_destroy(&p->lock);
		vg_buf_free(&p->page);
		free(p);
		return -1;
	}
	memset(s->events, 0, sizeof(s->events)); /* metrics and alerts only */
	s->priv = p;
	info = MHD_get_daemon_info(p->daemon, MHD_DAEMON_INFO_BIND_PORT);
	inet_ntop(ss.ss_family, ss.ss_family == AF_INET ? (void *)&((struct sockaddr_in *)&ss)->sin_addr
							: (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
		  addr, sizeof(addr));
	fprintf(stderr, "vigil: serving metrics at http://%s%s%s:%u/metrics\n", ss.ss_family == AF_INET6 ? "[" : "",
		addr, ss.ss_family == AF_INET6 ? "]" : "", info ? info->port : 0);
	return 0;
}

static void prom_event(struct vg_sink *s, const struct vg_event *ev)
{
}

static bool grow(struct prom *p)
{
	struct vg_prom_alert *more = realloc(p->alerts, (p->nalerts + 64) * sizeof(*more));

	if (more)
		p->alerts = more;
	return more != NULL;
}

/* Counted by rule and priority for vigil_alerts_total. */
static void prom_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct prom *p = s->priv;
	size_t i;

	p->taken++;
	for (i = 0; i < p->nalerts; i++)
		if (p->alerts[i].priority == (int)a->priority && strcmp(p->alerts[i].rule, a->rule) == 0) {
			p->alerts[i].count++;
			return;
		}
	if (p->nalerts == MAX_ALERT_RULES || (p->nalerts % 64 == 0 && !grow(p))) {
		pthread_mutex_lock(&p->lock);
		p->errors++;
		pthread_mutex_unlock(&p->lock);
		return;
	}
	p->alerts[p->nalerts] = (struct vg_prom_alert){ strdup(a->rule), (int)a->priority, 1 };
	if (p->alerts[p->nalerts].rule)
		p->nalerts++;
}

static void prom_stats(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	((struct prom *)s->priv)->taken++; /* the metrics snapshot carries the same counters */
}

static void prom_metrics(struct vg_sink *s, const struct vg_metrics *m)
{
	struct prom *p = s->priv;

	p->taken++;
	publish(p, m);
}

static void prom_flush(struct vg_sink *s, uint64_t now_ns)
{
}

static void prom_counters(const struct vg_sink *s, struct vg_sink_counters *c)
{
	struct prom *p = s->priv;

	pthread_mutex_lock(&p->lock);
	c->delivered = p->taken; /* on the page as soon as taken */
	c->errors = p->errors;
	pthread_mutex_unlock(&p->lock);
}

static void prom_close(struct vg_sink *s)
{
	struct prom *p = s->priv;

	MHD_stop_daemon(p->daemon);
	for (size_t i = 0; i < p->nalerts; i++)
		free(p->alerts[i].rule);
	free(p->alerts);
	vg_buf_free(&p->page);
	vg_buf_free(&p->next);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const struct vg_sink_type vg_sink_prometheus = {
	.scheme = "prometheus",
	.usage = "prometheus:ADDR:PORT[,public]  metrics at http://ADDR:PORT/metrics (loopback unless ,public)",
	.open = prom_open,
	.event = prom_event,
	.alert = prom_alert,
	.stats = prom_stats,
	.metrics = prom_metrics,
	.flush = prom_flush,
	.counters = prom_counters,
	.close = prom_close,
};

/* server.c — `vigil ui`'s HTTP server (ui.h): the listening socket, libmicrohttpd on one
 * internal thread, the router, and the headers every reply carries.
 *
 * One thread serves every request, one after the other: the store connection and
 * graphviz are only ever used by it, and an analyst's browser asks for a page at a time.
 * Replies forbid everything a page does not need (Content-Security-Policy: scripts,
 * styles and fetches from this origin only, nothing inline, no frames), so even text that
 * escaped its escaping could not run. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "output/html.h"
#include "ui/assets.h"
#include "ui/internal.h"
#include "ui/ui.h"

#define CSP                                                                                              \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';" \
	" base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const struct vg_html_opts vg_ui_page_opts = { .linked_assets = true, .home = "/", .event_href = "/event/" };

const char *vg_ui_arg(const struct vg_ui_request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

void vg_ui_fail(struct vg_ui_reply *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vg_buf_reset(&r->body);
	r->status = status;
	r->type = "text/html; charset=utf-8";
	vg_render_html_begin(&r->body, "vigil", &vg_ui_page_opts);
	vg_buf_printf(&r->body, "<h1>%d</h1>\n<p class=\"vg-error\">", status);
	vg_html_cstr(&r->body, msg);
	vg_buf_puts(&r->body, "</p>\n");
	vg_render_html_end(&r->body, &vg_ui_page_opts);
}

/* ---- routes ------------------------------------------------------------------------- */

static void asset(const struct vg_ui_request *rq, struct vg_ui_reply *r)
{
	const struct vg_asset *a = vg_asset_find(rq->path + strlen("/assets/"));

	if (!a) {
		vg_ui_fail(r, 404, "no asset %s", rq->path);
		return;
	}
	r->type = vg_asset_type(a);
	vg_buf_put(&r->body, a->data, a->len);
}

static void incident(const struct vg_ui_request *rq, struct vg_ui_reply *r)
{
	if (strncmp(rq->rest, "/node/", 6) == 0)
		vg_ui_page_node(rq, r);
	else
		vg_ui_page_incident(rq, r);
}

static const struct route {
	const char *prefix;
	bool numbered; /* the prefix is followed by an id: /incident/ID... */
	void (*fn)(const struct vg_ui_request *rq, struct vg_ui_reply *r);
} routes[] = {
	{ "/incident/", true, incident },
	{ "/event/", true, vg_ui_page_event },
	{ "/assets/", false, asset },
};

static void route(struct vg_ui_request *rq, struct vg_ui_reply *r)
{
	if (strcmp(rq->path, "/") == 0) {
		vg_ui_page_list(rq, r);
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t n = strlen(routes[i].prefix);
		char *end;

		if (strncmp(rq->path, routes[i].prefix, n) != 0)
			continue;
		if (routes[i].numbered) {
			rq->id = strtoll(rq->path + n, &end, 10);
			if (end == rq->path + n || rq->id <= 0)
				break;
			rq->rest = end;
		}
		routes[i].fn(rq, r);
		return;
	}
	vg_ui_fail(r, 404, "nothing at %s", rq->path);
}

/* ---- requests ----------------------------------------------------------------------- */

static enum MHD_Result send_reply(struct MHD_Connection *conn, const struct vg_ui *ui, struct vg_ui_reply *r,
				  bool set_cookie)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;

	if (r->body.p)
		resp = MHD_create_response_from_buffer(r->body.len, r->body.p, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		vg_buf_free(&r->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (set_cookie) {
		char cookie[128];

		snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict", ui->cookie, ui->token);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	}
	ok = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **state)
{
	static int headers_seen;
	struct vg_ui_request rq = { .ui = cls, .conn = conn, .path = url, .rest = "" };
	struct vg_ui_reply r = { .status = MHD_HTTP_OK, .type = "text/html; charset=utf-8" };
	bool set_cookie = false;

	if (!*state) { /* the headers: the reply comes once the request is whole */
		*state = &headers_seen;
		return MHD_YES;
	}
	if (*upload_size) { /* a body: nothing here takes one (refused below) */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		vg_ui_fail(&r, MHD_HTTP_METHOD_NOT_ALLOWED, "%s: the UI only reads", method);
	else if (!vg_ui_allowed(&rq, &set_cookie))
		vg_ui_fail(&r, MHD_HTTP_FORBIDDEN,
			   "This UI needs its token: open the address `vigil ui` printed at start (.../?token=...). "
			   "Without it, only a browser on this host that names the loopback address is served.");
	else
		route(&rq, &r);
	return send_reply(conn, rq.ui, &r, set_cookie);
}

/* ---- listening ---------------------------------------------------------------------- */

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char host[INET6_ADDRSTRLEN + 2]; /* as in a URL: [::1] */
};

static int parse_listen(const char *spec, struct listen_addr *a, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	char host[256];
	const char *port;
	char *end;
	long p;
	int rc;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			return snprintf(err, errlen, "'%s' is not [IPV6]:PORT", spec), -1;
		snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1), spec + 1);
		port = close + 2;
	} else {
		const char *colon = strrchr(spec, ':');

		if (!colon)
			return snprintf(err, errlen, "'%s' is not ADDR:PORT (127.0.0.1:8787)", spec), -1;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535)
		return snprintf(err, errlen, "'%s': the port must be a number from 0 to 65535", spec), -1;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return snprintf(err, errlen, "'%s': '%s' is not an IP address (%s)", spec, host, gai_strerror(rc)), -1;
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	snprintf(a->host, sizeof(a->host), res->ai_family == AF_INET6 ? "[%s]" : "%s", host);
	freeaddrinfo(res);
	return 0;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int listen_on(const struct listen_addr *a, const char *spec)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0) {
		fprintf(stderr, "vigil: ui: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "vigil: ui: cannot listen on %s: %s\n", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void accepted_hosts(struct vg_ui *ui, const struct listen_addr *a, int port)
{
	const char *names[] = { "127.0.0.1", "localhost", "[::1]", a->host };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool dup = false;

		snprintf(ui->hosts[ui->nhosts], sizeof(ui->hosts[0]), "%s:%d", names[i], port);
		for (int j = 0; j < ui->nhosts; j++)
			dup |= strcmp(ui->hosts[j], ui->hosts[ui->nhosts]) == 0;
		ui->nhosts += !dup;
	}
}

int vg_ui_run(const struct vg_ui_config *cfg)
{
	struct vg_ui ui = { .token_required = cfg->token };
	struct listen_addr a;
	struct MHD_Daemon *d;
	sigset_t stop;
	char err[4400];
	int fd, port, sig;

	if (parse_listen(cfg->listen, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: ui: --listen %s\n", err);
		return 2;
	}
	if (!is_loopback(&a.ss) && !cfg->token) {
		fprintf(stderr, "vigil: ui: --listen %s is reachable from other hosts: add --token, so that every "
				"request needs the token printed at start\n",
			cfg->listen);
		return 2;
	}
	if (!(ui.st = vg_store_open(cfg->store, VG_STORE_READ, err, sizeof(err)))) {
		fprintf(stderr, "vigil: ui: %s\n", err);
		return 1;
	}
	if ((fd = listen_on(&a, cfg->listen)) < 0 || (port = port_of(fd)) < 0) {
		if (fd >= 0)
			close(fd);
		vg_store_close(ui.st);
		return 1;
	}
	vg_ui_token_new(ui.token);
	snprintf(ui.cookie, sizeof(ui.cookie), "vigil_token_%d", port);
	accepted_hosts(&ui, &a, port);
	/* the server's thread inherits the mask: only this one takes the stop signals */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				     (a.ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, handle, &ui, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, 64u,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "vigil: ui: libmicrohttpd would not start on %s\n", cfg->listen);
		close(fd);
		vg_store_close(ui.st);
		return 1;
	}
	printf("vigil ui: http://%s:%d/ serving %s (read-only)%s\n", a.host, port, vg_store_path(ui.st),
	       cfg->token ? "; every request needs the token" : "");
	printf("vigil ui: token %s: http://%s:%d/?token=%s\n", ui.token, a.host, port, ui.token);
	fflush(stdout);
	sigwait(&stop, &sig);
	MHD_stop_daemon(d); /* closes the listening socket */
	vg_store_close(ui.st);
	return 0;
}

/* http.h — HTTP POST with libcurl, for the webhook sink and the ClickHouse writer: one
 * reused connection, a timeout, TLS options, the answer's status and the start of its body
 * for error messages. */
#ifndef VIGIL_HTTP_H
#define VIGIL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_http_opts {
	const char *content_type;
	const char *header;  /* one more "Name: value", or NULL */
	const char *bearer;  /* Authorization: Bearer TOKEN, or NULL */
	const char *ca;      /* CA bundle, or NULL for the system's */
	bool insecure;       /* no certificate verification */
	uint64_t timeout_ms;
};

struct vg_http;

/* NULL with err set when libcurl cannot start. */
struct vg_http *vg_http_new(const struct vg_http_opts *o, char *err, size_t errlen);
/* POSTs len bytes to url. The status (0 when no answer came: err says why); reply holds
 * the start of the answer's body, printable, NUL-terminated. */
long vg_http_post(struct vg_http *h, const char *url, const char *body, size_t len, char *err, size_t errlen);
const char *vg_http_reply(const struct vg_http *h);
/* The URL with s appended, percent-encoded (for ClickHouse's ?query=). */
void vg_http_escape(char *out, size_t outlen, const char *prefix, const char *s);
void vg_http_free(struct vg_http *h);

#endif

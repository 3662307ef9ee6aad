/* http.c — POST over one reused libcurl handle (http.h). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"

struct vg_http {
	CURL *c;
	struct curl_slist *headers;
	char reply[256];
	size_t reply_len;
};

static size_t on_reply(char *p, size_t size, size_t n, void *arg)
{
	struct vg_http *h = arg;
	size_t k = size * n;

	for (size_t i = 0; i < k && h->reply_len < sizeof(h->reply) - 1; i++)
		h->reply[h->reply_len++] = p[i] >= ' ' && p[i] < 127 ? p[i] : ' ';
	h->reply[h->reply_len] = 0;
	return k;
}

struct vg_http *vg_http_new(const struct vg_http_opts *o, char *err, size_t errlen)
{
	struct vg_http *h = calloc(1, sizeof(*h));
	char line[300];

	if (!h)
		abort();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h->c = curl_easy_init())) {
		snprintf(err, errlen, "libcurl cannot start");
		free(h);
		return NULL;
	}
	snprintf(line, sizeof(line), "Content-Type: %s", o->content_type ? o->content_type : "application/octet-stream");
	h->headers = curl_slist_append(NULL, line);
	h->headers = curl_slist_append(h->headers, "Expect:"); /* no 100-continue round trip */
	if (o->header && o->header[0])
		h->headers = curl_slist_append(h->headers, o->header);
	if (o->bearer && o->bearer[0]) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", o->bearer);
		h->headers = curl_slist_append(h->headers, line);
	}
	curl_easy_setopt(h->c, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(h->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->c, CURLOPT_TIMEOUT_MS, (long)(o->timeout_ms ? o->timeout_ms : 10000));
	curl_easy_setopt(h->c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h->c, CURLOPT_USERAGENT, "vigil");
	curl_easy_setopt(h->c, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(h->c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->ca && o->ca[0])
		curl_easy_setopt(h->c, CURLOPT_CAINFO, o->ca);
	if (o->insecure) {
		curl_easy_setopt(h->c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h->c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return h;
}

long vg_http_post(struct vg_http *h, const char *url, const char *body, size_t len, char *err, size_t errlen)
{
	CURLcode rc;
	long status = 0;

	h->reply_len = 0;
	h->reply[0] = 0;
	curl_easy_setopt(h->c, CURLOPT_URL, url);
	curl_easy_setopt(h->c, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(h->c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(h->c);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return 0;
	}
	curl_easy_getinfo(h->c, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

const char *vg_http_reply(const struct vg_http *h)
{
	return h->reply;
}

void vg_http_escape(char *out, size_t outlen, const char *prefix, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = (size_t)snprintf(out, outlen, "%s", prefix);

	for (; *s && n + 4 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c)) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n < outlen ? n : outlen - 1] = 0;
}

void vg_http_free(struct vg_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->c);
	curl_slist_free_all(h->headers);
	free(h);
}

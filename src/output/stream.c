/* stream.c — batched, checked line writes (see stream.h). */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "output/sink.h"
#include "output/stream.h"

#define BATCH (1u << 20) /* written when this full, and at every flush */

struct vg_stream {
	int fd;
	bool owned, regular;
	char path[256];
	struct vg_buf buf;
	uint64_t lines;     /* whole lines in buf */
	uint64_t size;      /* of the file: its size at open plus what was written since */
	uint64_t delivered, lost, errors;
	int failing;        /* errno of the last failure, 0 once a write succeeds again */
};

static int open_path(struct vg_stream *s, char *err, size_t errlen)
{
	struct stat st;

	if (strcmp(s->path, "-") == 0) {
		s->fd = STDOUT_FILENO;
		s->owned = false;
	} else {
		s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (s->fd < 0) {
			snprintf(err, errlen, "cannot open %s: %s", s->path, strerror(errno));
			return -1;
		}
		s->owned = true;
	}
	s->regular = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
	s->size = s->regular ? (uint64_t)st.st_size : 0;
	return 0;
}

struct vg_stream *vg_stream_open(const char *path, char *err, size_t errlen)
{
	struct vg_stream *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (open_path(s, err, errlen) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

struct vg_buf *vg_stream_begin(struct vg_stream *s)
{
	return &s->buf;
}

void vg_stream_end(struct vg_stream *s)
{
	vg_buf_putc(&s->buf, '\n');
	s->lines++;
	if (s->buf.len >= BATCH)
		vg_stream_flush(s);
}

/* Lines wholly inside the first n bytes of the buffer. */
static uint64_t lines_in(const struct vg_stream *s, size_t n)
{
	uint64_t k = 0;

	for (const char *p = s->buf.p, *end = s->buf.p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		k++;
	return k;
}

static void fail(struct vg_stream *s, int err, size_t written)
{
	uint64_t whole = lines_in(s, written);

	s->errors++;
	s->delivered += whole;
	s->lost += s->lines - whole;
	/* a regular file gets its torn last line cut off, so it ends with a whole line */
	if (s->regular && written) {
		const char *last = memrchr(s->buf.p, '\n', written);
		size_t torn = last ? written - (size_t)(last + 1 - s->buf.p) : written;
		off_t end = lseek(s->fd, 0, SEEK_END);

		if (torn && end >= (off_t)torn && ftruncate(s->fd, end - (off_t)torn) == 0)
			s->size -= torn;
	}
	if (s->failing != err)
		fprintf(stderr, "vigil: writing %s failed: %s; %llu lines lost so far\n",
			strcmp(s->path, "-") ? s->path : "stdout", strerror(err), (unsigned long long)s->lost);
	s->failing = err;
}

int vg_stream_flush(struct vg_stream *s)
{
	size_t done = 0;
	int rc = 0;

	while (done < s->buf.len) {
		ssize_t n = write(s->fd, s->buf.p + done, s->buf.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(s, n < 0 ? errno : EIO, done);
			rc = -1;
			break;
		}
		done += (size_t)n;
		s->size += (uint64_t)n;
	}
	if (rc == 0) {
		s->delivered += s->lines;
		if (s->failing)
			fprintf(stderr, "vigil: writing %s works again\n", strcmp(s->path, "-") ? s->path : "stdout");
		s->failing = 0;
	}
	s->lines = 0;
	vg_buf_reset(&s->buf);
	return rc;
}

void vg_stream_reopen(struct vg_stream *s)
{
	char err[300];

	if (!s->owned)
		return;
	vg_stream_flush(s);
	close(s->fd);
	if (open_path(s, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: %s\n", err);
		s->fd = -1;
	}
}

uint64_t vg_stream_size(const struct vg_stream *s)
{
	return s->size + s->buf.len;
}

int vg_stream_isatty(const struct vg_stream *s)
{
	return isatty(s->fd);
}

void vg_stream_counters(const struct vg_stream *s, struct vg_sink_counters *c)
{
	c->delivered = s->delivered;
	c->queued = s->lines;
	c->lost = s->lost;
	c->errors = s->errors;
}

void vg_stream_close(struct vg_stream *s)
{
	if (!s)
		return;
	vg_stream_flush(s);
	if (s->owned && s->fd >= 0)
		close(s->fd);
	vg_buf_free(&s->buf);
	free(s);
}

struct line_sink {
	struct vg_stream *out;
	const struct vg_line_format *fmt;
};

int vg_line_sink_open(struct vg_sink *s, const char *arg, const struct vg_line_format *fmt, char *err,
		      size_t errlen)
{
	struct line_sink *l = calloc(1, sizeof(*l));

	if (!l || !(l->out = vg_stream_open(arg[0] ? arg : "-", err, errlen))) {
		if (!l)
			snprintf(err, errlen, "out of memory");
		free(l);
		return -1;
	}
	l->fmt = fmt;
	s->priv = l;
	if (fmt->header) {
		fmt->header(vg_stream_begin(l->out));
		vg_stream_end(l->out);
	}
	return 0;
}

void vg_line_sink_event(struct vg_sink *s, const struct vg_event *ev)
{
	struct line_sink *l = s->priv;

	l->fmt->event(vg_stream_begin(l->out), ev);
	vg_stream_end(l->out);
}

void vg_line_sink_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct line_sink *l = s->priv;

	l->fmt->alert(vg_stream_begin(l->out), a, v);
	vg_stream_end(l->out);
}

void vg_line_sink_stats(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	struct line_sink *l = s->priv;

	if (l->fmt->stats(vg_stream_begin(l->out), c, x))
		vg_stream_end(l->out);
}

void vg_line_sink_metrics(struct vg_sink *s, const struct vg_metrics *m)
{
	struct line_sink *l = s->priv;

	if (l->fmt->metrics) {
		l->fmt->metrics(vg_stream_begin(l->out), m);
		vg_stream_end(l->out);
	}
}

void vg_line_sink_flush(struct vg_sink *s, uint64_t now_ns)
{
	vg_stream_flush(((struct line_sink *)s->priv)->out);
}

void vg_line_sink_reopen(struct vg_sink *s)
{
	vg_stream_reopen(((struct line_sink *)s->priv)->out);
}

void vg_line_sink_counters(const struct vg_sink *s, struct vg_sink_counters *c)
{
	vg_stream_counters(((struct line_sink *)s->priv)->out, c);
}

void vg_line_sink_close(struct vg_sink *s)
{
	struct line_sink *l = s->priv;

	vg_stream_close(l->out);
	free(l);
}

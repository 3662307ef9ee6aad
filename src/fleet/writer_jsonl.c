/* writer_jsonl.c — many hosts' records as JSON lines, each as its agent wrote it (with its
 * record_id), to a file or stdout: `vigil collect --output PATH|-`. An archive, or a pipe
 * into another tool. A commit writes and fsyncs the batch; the file does not deduplicate,
 * so a message JetStream delivers twice (an ack lost to a failure) is there twice, with
 * the same record_id. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fleet/writer.h"

struct vg_fleet_writer {
	int fd;
	bool owned;
	struct vg_buf batch;
	uint64_t pending, lines;
};

static struct vg_fleet_writer *jsonl_open(const char *target, char *err, size_t errlen)
{
	struct vg_fleet_writer *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	w->fd = strcmp(target, "-") ? open(target, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) : STDOUT_FILENO;
	w->owned = w->fd != STDOUT_FILENO;
	if (w->fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", target, strerror(errno));
		free(w);
		return NULL;
	}
	return w;
}

static int jsonl_add(struct vg_fleet_writer *w, const struct vg_fleet_record *r)
{
	vg_buf_put(&w->batch, r->json, r->len);
	vg_buf_putc(&w->batch, '\n');
	w->pending++;
	return 0;
}

static int jsonl_commit(struct vg_fleet_writer *w, char *err, size_t errlen)
{
	size_t done = 0;

	while (done < w->batch.len) {
		ssize_t n = write(w->fd, w->batch.p + done, w->batch.len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "write: %s", n < 0 ? strerror(errno) : "nothing written");
			/* what went out stays out; the rest is retried */
			memmove(w->batch.p, w->batch.p + done, w->batch.len - done);
			w->batch.len -= done;
			return -1;
		}
		done += (size_t)n;
	}
	if (w->owned && fdatasync(w->fd) < 0 && errno != EINVAL) {
		snprintf(err, errlen, "fsync: %s", strerror(errno));
		vg_buf_reset(&w->batch);
		return -1;
	}
	w->lines += w->pending;
	w->pending = 0;
	vg_buf_reset(&w->batch);
	return 0;
}

static void jsonl_stats(struct vg_fleet_writer *w, struct vg_buf *b)
{
	vg_buf_printf(b, ",\"lines\":%llu", (unsigned long long)w->lines);
}

static void jsonl_close(struct vg_fleet_writer *w)
{
	if (w->owned)
		close(w->fd);
	vg_buf_free(&w->batch);
	free(w);
}

const struct vg_fleet_writer_type vg_fleet_jsonl = {
	.name = "jsonl",
	.open = jsonl_open,
	.add = jsonl_add,
	.commit = jsonl_commit,
	.stats = jsonl_stats,
	.close = jsonl_close,
};

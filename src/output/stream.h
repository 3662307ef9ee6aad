/* stream.h — lines to a file or stdout, written in batches, every write checked.
 *
 * The JSON and text sinks format straight into the stream's buffer (vg_stream_begin ..
 * vg_stream_end per line) and the stream writes whole batches with write(2). A failed
 * write (full disk, closed pipe) is said once on stderr with its reason, the lines it
 * carried are counted as lost, and a regular file is cut back to its last whole line, so
 * a reader never sees half a JSON object. */
#ifndef VIGIL_STREAM_H
#define VIGIL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "output/buf.h"

struct vg_stream;
struct vg_sink_counters;

/* path "-" is stdout. NULL with err set when it cannot be opened. */
struct vg_stream *vg_stream_open(const char *path, char *err, size_t errlen);
/* The buffer to append one line to (without its '\n'), then vg_stream_end ends it. */
struct vg_buf *vg_stream_begin(struct vg_stream *s);
void vg_stream_end(struct vg_stream *s);
/* Writes what is buffered; -1 when a write failed (the batch is counted lost). */
int vg_stream_flush(struct vg_stream *s);
/* Reopens the path (after logrotate moved it); stdout stays. */
void vg_stream_reopen(struct vg_stream *s);
/* The file's size with what is buffered (for rotation by size). */
uint64_t vg_stream_size(const struct vg_stream *s);
/* Whether the stream is a terminal (for colour and layout). */
int vg_stream_isatty(const struct vg_stream *s);
void vg_stream_counters(const struct vg_stream *s, struct vg_sink_counters *c);
void vg_stream_close(struct vg_stream *s);

/* A line sink: a stream plus how it renders each kind of record (the json and text sinks
 * differ only in that). */
struct vg_sink;
struct vg_event;
struct vg_alert;
struct vg_verdict;
struct vg_counters;
struct vg_stats_extra;
struct vg_metrics;

struct vg_line_format {
	void (*header)(struct vg_buf *b); /* a first line, or NULL */
	void (*event)(struct vg_buf *b, const struct vg_event *ev);
	void (*alert)(struct vg_buf *b, const struct vg_alert *a, const struct vg_verdict *v);
	/* The stats line; false when the format puts none in the stream. */
	bool (*stats)(struct vg_buf *b, const struct vg_counters *c, const struct vg_stats_extra *x);
	/* The metrics line, or NULL when the format has none. */
	void (*metrics)(struct vg_buf *b, const struct vg_metrics *m);
};

/* open() of a line sink: arg is a path or "-" (also when empty). */
int vg_line_sink_open(struct vg_sink *s, const char *arg, const struct vg_line_format *fmt, char *err,
		      size_t errlen);
void vg_line_sink_event(struct vg_sink *s, const struct vg_event *ev);
void vg_line_sink_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v);
void vg_line_sink_stats(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x);
void vg_line_sink_metrics(struct vg_sink *s, const struct vg_metrics *m);
void vg_line_sink_flush(struct vg_sink *s, uint64_t now_ns);
void vg_line_sink_reopen(struct vg_sink *s);
void vg_line_sink_counters(const struct vg_sink *s, struct vg_sink_counters *c);
void vg_line_sink_close(struct vg_sink *s);

/* The struct vg_sink_type of a line sink whose open() calls vg_line_sink_open. */
#define VG_LINE_SINK(scheme_, usage_, open_)                                                    \
	{ .scheme = (scheme_), .usage = (usage_), .open = (open_), .event = vg_line_sink_event,    \
	  .alert = vg_line_sink_alert, .stats = vg_line_sink_stats, .metrics = vg_line_sink_metrics, \
	  .flush = vg_line_sink_flush,                                                              \
	  .reopen = vg_line_sink_reopen, .counters = vg_line_sink_counters, .close = vg_line_sink_close }

#endif

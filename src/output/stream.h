/* stream.h — lines to a file or stdout, written in batches, every write checked.
 *
 * The JSON and text sinks format straight into the stream's buffer (vg_stream_begin ..
 * vg_stream_end per line) and the stream writes whole batches with write(2). A failed
 * write (full disk, closed pipe) is said once on stderr with its reason, the lines it
 * carried are counted as lost, and a regular file is cut back to its last whole line, so
 * a reader never sees half a JSON object. */
#ifndef VIGIL_STREAM_H
#define VIGIL_STREAM_H

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
/* Whether the stream is a terminal (for colour and layout). */
int vg_stream_isatty(const struct vg_stream *s);
void vg_stream_counters(const struct vg_stream *s, struct vg_sink_counters *c);
void vg_stream_close(struct vg_stream *s);

/* Sink callbacks for a sink whose priv is its stream (the json and text sinks). */
struct vg_sink;
void vg_stream_sink_flush(struct vg_sink *s, uint64_t now_ns);
void vg_stream_sink_reopen(struct vg_sink *s);
void vg_stream_sink_counters(struct vg_sink *s, struct vg_sink_counters *c);
void vg_stream_sink_close(struct vg_sink *s);

#endif

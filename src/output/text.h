/* text.h — the human-readable output format. */
#ifndef VIGIL_TEXT_H
#define VIGIL_TEXT_H

#include <stdbool.h>
#include "event.h"
#include "output/buf.h"

struct vg_alert;
struct vg_verdict;

/* len bytes as text that cannot break a line or fake one: backslash, control characters
 * (\n, \t, \r, \xNN), DEL and bytes that are not UTF-8 (\xNN) are escaped. With quote, a
 * value that is empty or holds a space or a quote is put in double quotes. */
void vg_text_str(struct vg_buf *b, const char *s, size_t len, bool quote);
/* HH:MM:SS.mmm, local time. */
void vg_text_time(struct vg_buf *b, uint64_t wall_ns);
/* The column header, one event, one alert: each one line without its newline. */
void vg_text_header(struct vg_buf *b);
void vg_text_event(struct vg_buf *b, const struct vg_event *ev);
void vg_text_alert(struct vg_buf *b, const struct vg_alert *a, const struct vg_verdict *v);

#endif

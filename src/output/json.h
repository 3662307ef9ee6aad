/* json.h — the JSON-lines writer: events, alerts and stats, one object per line. */
#ifndef VIGIL_JSON_H
#define VIGIL_JSON_H

#include <stdint.h>
#include "event.h"
#include "output/buf.h"

struct vg_alert;
struct vg_verdict;

/* Length of a valid UTF-8 sequence at p (1..4), or 0 when the byte starts none (shared by
 * every writer that escapes text). */
size_t vg_utf8_len(const unsigned char *p, size_t left);
/* A JSON string of len bytes that any byte sequence turns into valid JSON without loss or
 * ambiguity. Once JSON-decoded, the text is the bytes with one escape, the backslash: a
 * byte that is not valid UTF-8 reads \\xNN (four characters) and a backslash of the data
 * reads \\\\ (two), so "\\xff" the text and 0xff the byte never look the same. Control
 * characters use JSON's own escapes. */
void vg_json_str(struct vg_buf *b, const char *p, size_t len);
void vg_json_cstr(struct vg_buf *b, const char *s); /* NULL becomes null */
/* A metrics or top row's container: {"id","name"[,"runtime"]}, or null for the host (id "").
 * with_runtime: "runtime" is a member (null when runtime is NULL). */
void vg_json_container_ref(struct vg_buf *b, const char *id, const char *name, const char *runtime, bool with_runtime);
/* RFC 3339 UTC with nanoseconds, quoted. */
void vg_json_time(struct vg_buf *b, uint64_t wall_ns);
void vg_json_value(struct vg_buf *b, const struct vg_value *v);
/* One event object, {"kind":"event",...}, without a newline. */
void vg_json_event(struct vg_buf *b, const struct vg_event *ev);
/* One alert object, {"kind":"alert",...,"events":[...]}, without a newline. */
void vg_json_alert(struct vg_buf *b, const struct vg_alert *a, const struct vg_verdict *v);
/* Field list as nested objects: "file.path" -> "file":{"path":..}; opens with a comma. */
void vg_json_fields(struct vg_buf *b, const struct vg_kv *kv, int n);

#endif

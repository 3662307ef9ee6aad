/* event.h — the decoded event every user-space stage after the decoder works on.
 *
 * A decoded event is the raw record, the process it belongs to (from the process table,
 * never NULL), and the event's own fields as a short list of typed values. Field
 * definitions (struct vg_field) are static and unique per name, so the rule engine
 * resolves a name once at compile time and then compares pointers; the JSON writer
 * nests "file.path" as {"file":{"path":...}}. One list serves output and rules alike.
 *
 * A decoded event lives until the next record is decoded: it points into the ring buffer
 * and the process table. What must outlive it (an alert's evidence) is a snapshot
 * (vg_event_snapshot): the same struct, owning copies of the record, the field values,
 * the process and its ancestry, so every consumer reads both the same way.
 */
#ifndef VIGIL_EVENT_MODEL_H
#define VIGIL_EVENT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vigil_event.h"

enum vg_vtype {
	VG_V_STR,  /* bytes, may hold any byte value */
	VG_V_INT,  /* int64_t */
	VG_V_BOOL,
	VG_V_IP,   /* struct vg_ip */
	VG_V_LIST, /* NUL-separated strings (argv, ...): `in`/`contains` match elements */
};

struct vg_ip {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
};

struct vg_value {
	enum vg_vtype type;
	union {
		struct {
			const char *ptr;
			size_t len;
		} str; /* VG_V_STR and VG_V_LIST */
		int64_t i;
		bool b;
		struct vg_ip ip;
	};
};

struct vg_field {
	const char *name; /* dotted rule/JSON name, e.g. "file.path" */
	enum vg_vtype type;
	const char *doc;
};

struct vg_kv {
	const struct vg_field *field;
	struct vg_value v;
};

#define VG_MAX_FIELDS 32
#define VG_EVENT_ARENA (3 * VG_PATH_MAX + 1024)
#define VG_EXEC_ID_LEN 32

struct vg_proc;       /* process table entry: proctable.h */
struct vg_proctable;

/* An ancestor as events show it (parent first). */
struct vg_ancestor {
	int pid;
	char comm[16];
	char exec_id[VG_EXEC_ID_LEN];
	const char *exe;
};

struct vg_event {
	const struct vg_hdr *raw;
	uint16_t type; /* enum vg_type */
	uint64_t ts_ns; /* wall clock, ns since the epoch */
	struct vg_proc *proc;
	/* Where ancestry comes from: the live table (a decoded event), or copies (a snapshot,
	 * pt NULL). Read it with vg_event_ancestors. */
	struct vg_proctable *pt;
	const struct vg_ancestor *ancestors;
	int nancestors;
	int nfields;
	struct vg_kv fields[VG_MAX_FIELDS];
	/* Storage the decoder builds strings in (reversed paths, ...): arena_cap bytes. */
	char *arena;
	size_t arena_used, arena_cap;
};

/* A decoded event with the arena its decoder builds strings in: what a decoding loop
 * keeps one of (large: keep it off the stack). */
struct vg_event_buf {
	struct vg_event ev;
	char arena[VG_EVENT_ARENA];
};

/* Points b's event at b's arena; returns the event. */
struct vg_event *vg_event_buf_init(struct vg_event_buf *b);

/* Catalogue lookups (catalog.c). */
const char *vg_event_name(unsigned type);
unsigned vg_event_id(unsigned type);
int vg_event_profile(unsigned type); /* 1 default, 2 sandbox */
int vg_event_by_name(const char *name); /* enum vg_type or -1 */
const char *vg_drop_name(unsigned reason);

/* Field list helpers (event.c). */
const struct vg_value *vg_event_get(const struct vg_event *ev, const struct vg_field *f);
void vg_event_add(struct vg_event *ev, const struct vg_field *f, struct vg_value v);
void vg_event_add_str(struct vg_event *ev, const struct vg_field *f, const char *p, size_t len);
void vg_event_add_int(struct vg_event *ev, const struct vg_field *f, int64_t i);
void vg_event_add_bool(struct vg_event *ev, const struct vg_field *f, bool b);
/* Same type and same value (strings and lists byte for byte). */
bool vg_value_equal(const struct vg_value *a, const struct vg_value *b);
/* Copies into the event's arena; returns the copy or NULL when the arena is full. */
char *vg_event_keep(struct vg_event *ev, const char *p, size_t len);

/* Up to max ancestors of ev's process, parent first; returns how many. */
int vg_event_ancestors(const struct vg_event *ev, struct vg_ancestor *out, int max);

/* A copy of ev that owns everything it points at (record, field values, process,
 * ancestry); NULL only when memory is exhausted. Freed with vg_event_snapshot_free. */
struct vg_event *vg_event_snapshot(const struct vg_event *ev);
void vg_event_snapshot_free(struct vg_event *snap);

#endif

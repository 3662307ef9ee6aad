/* event.h — the decoded event every user-space stage after the decoder works on.
 *
 * A decoded event is the raw record, the process it belongs to (from the process table,
 * never NULL), and the event's own fields as a short list of typed values. Field
 * definitions (struct vg_field) are static and unique per name, so the rule engine
 * resolves a name once at compile time and then compares pointers; the JSON writer
 * nests "file.path" as {"file":{"path":...}}. One list serves output and rules alike.
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

#define VG_MAX_FIELDS 24

struct vg_proc; /* process table entry: proctable.h */

struct vg_event {
	const struct vg_hdr *raw;
	uint16_t type; /* enum vg_type */
	uint64_t ts_ns; /* wall clock, ns since the epoch */
	struct vg_proc *proc;
	int nfields;
	struct vg_kv fields[VG_MAX_FIELDS];
	/* Storage the decoder owns for strings it had to build (reversed paths, ...). */
	size_t arena_used;
	char arena[3 * VG_PATH_MAX + 1024];
};

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
/* Copies into the event's arena; returns the copy or NULL when the arena is full. */
char *vg_event_keep(struct vg_event *ev, const char *p, size_t len);

#endif

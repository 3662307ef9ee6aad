/* event.c — building and reading a decoded event's field list. */
#include <string.h>
#include "event.h"

const struct vg_value *vg_event_get(const struct vg_event *ev, const struct vg_field *f)
{
	for (int i = 0; i < ev->nfields; i++)
		if (ev->fields[i].field == f)
			return &ev->fields[i].v;
	return NULL;
}

void vg_event_add(struct vg_event *ev, const struct vg_field *f, struct vg_value v)
{
	if (ev->nfields < VG_MAX_FIELDS)
		ev->fields[ev->nfields++] = (struct vg_kv){ .field = f, .v = v };
}

void vg_event_add_str(struct vg_event *ev, const struct vg_field *f, const char *p, size_t len)
{
	vg_event_add(ev, f, (struct vg_value){ .type = f->type, .str = { p, len } });
}

void vg_event_add_int(struct vg_event *ev, const struct vg_field *f, int64_t i)
{
	vg_event_add(ev, f, (struct vg_value){ .type = VG_V_INT, .i = i });
}

void vg_event_add_bool(struct vg_event *ev, const struct vg_field *f, bool b)
{
	vg_event_add(ev, f, (struct vg_value){ .type = VG_V_BOOL, .b = b });
}

char *vg_event_keep(struct vg_event *ev, const char *p, size_t len)
{
	char *dst;

	if (ev->arena_used + len + 1 > sizeof(ev->arena))
		return NULL;
	dst = ev->arena + ev->arena_used;
	memcpy(dst, p, len);
	dst[len] = 0;
	ev->arena_used += len + 1;
	return dst;
}

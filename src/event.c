/* event.c — building and reading a decoded event's field list, its ancestry, and
 * snapshots that outlive the record. */
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "proc/proctable.h"

struct vg_event *vg_event_buf_init(struct vg_event_buf *b)
{
	memset(&b->ev, 0, sizeof(b->ev));
	b->ev.arena = b->arena;
	b->ev.arena_cap = sizeof(b->arena);
	return &b->ev;
}

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

	if (!ev->arena || ev->arena_used + len + 1 > ev->arena_cap)
		return NULL;
	dst = ev->arena + ev->arena_used;
	memcpy(dst, p, len);
	dst[len] = 0;
	ev->arena_used += len + 1;
	return dst;
}

int vg_event_ancestors(const struct vg_event *ev, struct vg_ancestor *out, int max)
{
	const struct vg_proc *anc[VG_ANCESTORS];
	int n;

	if (!ev->pt) {
		n = ev->nancestors < max ? ev->nancestors : max;
		if (n > 0)
			memcpy(out, ev->ancestors, (size_t)n * sizeof(*out));
		return n;
	}
	n = vg_proctable_ancestors(ev->pt, ev->proc, anc, max < VG_ANCESTORS ? max : VG_ANCESTORS);
	for (int i = 0; i < n; i++) {
		out[i] = (struct vg_ancestor){ .pid = anc[i]->pid, .exe = anc[i]->exe };
		memcpy(out[i].comm, anc[i]->comm, sizeof(out[i].comm));
		memcpy(out[i].exec_id, anc[i]->exec_id, sizeof(out[i].exec_id));
	}
	return n;
}

/* A snapshot is one allocation: the event, then its process and ancestors, then the
 * record's bytes, then every string the fields and ancestors point at. The process's own
 * strings are copied by the process table (vg_proc_copy). */
struct snapshot {
	struct vg_event ev;
	struct vg_proc proc;
	struct vg_ancestor anc[VG_ANCESTORS];
	char data[];
};

static size_t value_bytes(const struct vg_value *v)
{
	return v->type == VG_V_STR || v->type == VG_V_LIST ? v->str.len + 1 : 0;
}

static char *put_bytes(char **pos, const char *p, size_t len)
{
	char *dst = *pos;

	memcpy(dst, p, len);
	dst[len] = 0;
	*pos += len + 1;
	return dst;
}

struct vg_event *vg_event_snapshot(const struct vg_event *ev)
{
	struct vg_ancestor anc[VG_ANCESTORS];
	int nanc = vg_event_ancestors(ev, anc, VG_ANCESTORS);
	/* at least the header: events built by hand (tests) may not set its size */
	size_t raw = ev->raw->size > sizeof(*ev->raw) ? ev->raw->size : sizeof(*ev->raw);
	size_t need = raw;
	struct snapshot *s;
	char *pos;

	for (int i = 0; i < ev->nfields; i++)
		need += value_bytes(&ev->fields[i].v);
	for (int i = 0; i < nanc; i++)
		need += strlen(anc[i].exe) + 1;
	s = malloc(sizeof(*s) + need);
	if (!s)
		return NULL;
	s->ev = *ev;
	s->ev.pt = NULL;
	s->ev.arena = NULL;
	s->ev.arena_used = s->ev.arena_cap = 0;
	pos = s->data;
	s->ev.raw = memcpy(pos, ev->raw, raw);
	pos += raw;
	for (int i = 0; i < ev->nfields; i++) {
		struct vg_value *v = &s->ev.fields[i].v;

		if (value_bytes(v))
			v->str.ptr = put_bytes(&pos, v->str.ptr, v->str.len);
	}
	for (int i = 0; i < nanc; i++) {
		s->anc[i] = anc[i];
		s->anc[i].exe = put_bytes(&pos, anc[i].exe, strlen(anc[i].exe));
	}
	s->ev.ancestors = s->anc;
	s->ev.nancestors = nanc;
	vg_proc_copy(&s->proc, ev->proc);
	s->ev.proc = &s->proc;
	return &s->ev;
}

void vg_event_snapshot_free(struct vg_event *snap)
{
	struct snapshot *s = (struct snapshot *)snap;

	if (!s)
		return;
	vg_proc_copy_free(&s->proc);
	free(s);
}

bool vg_value_equal(const struct vg_value *a, const struct vg_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case VG_V_STR:
	case VG_V_LIST:
		return a->str.len == b->str.len && memcmp(a->str.ptr, b->str.ptr, a->str.len) == 0;
	case VG_V_INT:
		return a->i == b->i;
	case VG_V_BOOL:
		return a->b == b->b;
	case VG_V_IP:
		return a->ip.family == b->ip.family && memcmp(a->ip.addr, b->ip.addr, sizeof(a->ip.addr)) == 0;
	}
	return false;
}

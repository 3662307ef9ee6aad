/* text.c — the human format: one aligned line per event, like execsnoop, with the
 * event's own fields as key=value at the end. */
#include <string.h>
#include <time.h>
#include "output/json.h"
#include "output/text.h"
#include "proc/proctable.h"

void vg_text_header(struct vg_buf *b)
{
	vg_buf_printf(b, "%-12s %-14s %7s %7s %6s %-16s %4s %s\n", "TIME", "EVENT", "PID", "PPID", "UID", "COMM",
		      "RET", "DETAILS");
}

/* Values print as JSON would, minus the quotes around plain strings. */
static void text_value(struct vg_buf *b, const struct vg_value *v)
{
	size_t start = b->len;

	vg_json_value(b, v);
	if (v->type == VG_V_STR && b->len - start >= 2 && b->p[start] == '"') {
		memmove(b->p + start, b->p + start + 1, b->len - start - 2);
		b->len -= 2;
		b->p[b->len] = 0;
	}
}

void vg_text_event(struct vg_buf *b, const struct vg_event *ev)
{
	const struct vg_proc *p = ev->proc;
	time_t secs = (time_t)(ev->ts_ns / 1000000000ull);
	struct tm tm;
	char ts[16];

	localtime_r(&secs, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	vg_buf_printf(b, "%s.%03u %-14s %7d %7d %6u %-16s %4d", ts, (unsigned)(ev->ts_ns / 1000000 % 1000),
		      vg_event_name(ev->type), p->pid, p->ppid, p->uid, p->comm, ev->raw->ret);
	if (ev->type == VG_EV_EXEC && ev->raw->ret >= 0) {
		vg_buf_puts(b, " exe=");
		vg_buf_puts(b, p->exe);
	}
	if (p->container.id[0]) {
		vg_buf_puts(b, " container=");
		vg_buf_printf(b, "%.12s", p->container.id);
	}
	for (int i = 0; i < ev->nfields; i++) {
		vg_buf_printf(b, " %s=", ev->fields[i].field->name);
		text_value(b, &ev->fields[i].v);
	}
	vg_buf_putc(b, '\n');
}

/* text.c — the human format: one aligned line per event, like execsnoop, with the
 * event's own fields as key=value at the end, and one line per alert.
 *
 * Every string an event carries can come from an attacker (argv, file names, comm), so
 * all of them go through vg_text_str: no control character (C0, C1, bidirectional) ever
 * reaches the terminal, and a line can never be made to look like another one. */
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "output/json.h"
#include "output/sink.h"
#include "output/text.h"
#include "proc/proctable.h"
#include "rules/rules.h"

static const char hex[] = "0123456789abcdef";

/* Code points that are well-formed UTF-8 but still change what a terminal shows: C1
 * controls, and the bidirectional marks, embeddings, overrides and isolates that reorder a
 * line (CVE-2021-42574, "Trojan Source"), so that a file name could read as another one. */
static bool invisible_control(const unsigned char *p, size_t n)
{
	uint32_t cp = p[0] & (0xff >> (n + 1));

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void vg_text_str(struct vg_buf *b, const char *s, size_t len, bool quote)
{
	const unsigned char *p = (const unsigned char *)s;
	bool quoted = false;

	if (quote) {
		quoted = len == 0;
		for (size_t i = 0; i < len && !quoted; i++)
			quoted = p[i] == ' ' || p[i] == '"';
	}
	if (quoted)
		vg_buf_putc(b, '"');
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = c >= 0x80 ? vg_utf8_len(p + i, len - i) : 0;

		if (n && !invisible_control(p + i, n)) {
			vg_buf_put(b, p + i, n);
			i += n;
			continue;
		}
		if (n) { /* each byte as \xNN: still greppable, and never the character itself */
			for (size_t k = 0; k < n; k++) {
				char e[4] = { '\\', 'x', hex[p[i + k] >> 4], hex[p[i + k] & 15] };

				vg_buf_put(b, e, 4);
			}
			i += n;
			continue;
		}
		i++;
		if (c == '\\' || (quoted && c == '"')) {
			vg_buf_putc(b, '\\');
			vg_buf_putc(b, (char)c);
		} else if (c >= 0x20 && c < 0x7f) {
			vg_buf_putc(b, (char)c);
		} else if (c == '\n' || c == '\t' || c == '\r') {
			vg_buf_putc(b, '\\');
			vg_buf_putc(b, c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
		} else { /* other control characters, DEL and bytes that are not UTF-8 */
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			vg_buf_put(b, e, 4);
		}
	}
	if (quoted)
		vg_buf_putc(b, '"');
}

static void text_cstr(struct vg_buf *b, const char *s, bool quote)
{
	vg_text_str(b, s ? s : "", s ? strlen(s) : 0, quote);
}

void vg_text_header(struct vg_buf *b)
{
	vg_buf_printf(b, "%-12s %-14s %7s %7s %6s %-16s %4s %s", "TIME", "EVENT", "PID", "PPID", "UID", "COMM",
		      "RET", "DETAILS");
}

static void text_value(struct vg_buf *b, const struct vg_value *v)
{
	char ip[INET6_ADDRSTRLEN] = "";

	switch (v->type) {
	case VG_V_STR: vg_text_str(b, v->str.ptr, v->str.len, true); break;
	case VG_V_LIST: /* elements separated by spaces, each quoted when it needs to be */
		for (size_t i = 0, start = 0; i <= v->str.len; i++) {
			if (i < v->str.len && v->str.ptr[i])
				continue;
			if (i == v->str.len && start == i && start)
				break;
			if (start)
				vg_buf_putc(b, ' ');
			vg_text_str(b, v->str.ptr + start, i - start, true);
			start = i + 1;
		}
		break;
	case VG_V_INT: vg_buf_printf(b, "%lld", (long long)v->i); break;
	case VG_V_BOOL: vg_buf_puts(b, v->b ? "true" : "false"); break;
	case VG_V_IP:
		inet_ntop(v->ip.family == 6 ? AF_INET6 : AF_INET, v->ip.addr, ip, sizeof(ip));
		vg_buf_puts(b, ip);
		break;
	}
}

void vg_text_time(struct vg_buf *b, uint64_t wall_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	char ts[16];

	localtime_r(&secs, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	vg_buf_printf(b, "%s.%03u", ts, (unsigned)(wall_ns / 1000000 % 1000));
}

void vg_text_event(struct vg_buf *b, const struct vg_event *ev)
{
	const struct vg_proc *p = ev->proc;
	size_t comm_start, comm_width;

	vg_text_time(b, ev->ts_ns);
	vg_buf_printf(b, " %-14s %7d %7d %6u ", vg_event_name(ev->type), p->pid, p->ppid, p->uid);
	comm_start = b->len;
	text_cstr(b, p->comm, false);
	comm_width = b->len - comm_start;
	vg_buf_printf(b, "%*s %4d", comm_width < 16 ? (int)(16 - comm_width) : 0, "", ev->raw->ret);
	if (ev->type == VG_EV_EXEC && ev->raw->ret >= 0) {
		vg_buf_puts(b, " exe=");
		text_cstr(b, p->exe, true);
	}
	if (p->container.id[0])
		vg_buf_printf(b, " container=%.12s", p->container.id);
	for (int i = 0; i < ev->nfields; i++) {
		vg_buf_printf(b, " %s=", ev->fields[i].field->name);
		text_value(b, &ev->fields[i].v);
	}
}

void vg_text_alert(struct vg_buf *b, const struct vg_alert *a, const struct vg_verdict *v)
{
	vg_text_time(b, a->ev->ts_ns);
	vg_buf_puts(b, " ALERT ");
	text_cstr(b, a->rule, false);
	vg_buf_printf(b, " [%s] ", vg_priority_name(a->priority));
	text_cstr(b, a->output, false);
	if (v->killed)
		vg_buf_puts(b, " (killed)");
	else if (v->denied)
		vg_buf_puts(b, " (denied)");
}

/* json.c — writes events as JSON objects (DESIGN.md §4). Hand-rolled rather than a DOM
 * library (jansson, json-c) because it sits on the per-event path: appending to one
 * reused buffer costs no allocation per event. */
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "output/json.h"
#include "output/sink.h"
#include "rules/rules.h"
#include "proc/proctable.h"
#include "proc/users.h"
#include "clock.h"
#include "host.h"

static const char hex[] = "0123456789abcdef";

size_t vg_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void vg_json_str(struct vg_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;

	vg_buf_putc(b, '"');
	while (i < len) {
		unsigned char c = p[i];
		size_t n = c >= 0x20 && c < 0x80 && c != '"' && c != '\\' ? 1 : c >= 0x80 ? vg_utf8_len(p + i, len - i) : 0;

		if (n) {
			i += n;
			run += n;
			continue;
		}
		vg_buf_put(b, p + i - run, run);
		run = 0;
		switch (c) {
		case '"': vg_buf_puts(b, "\\\""); break;
		case '\\': vg_buf_puts(b, "\\\\\\\\"); break; /* decodes to \\: see json.h */
		case '\n': vg_buf_puts(b, "\\n"); break;
		case '\t': vg_buf_puts(b, "\\t"); break;
		case '\r': vg_buf_puts(b, "\\r"); break;
		default:
			if (c < 0x20) {
				char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				vg_buf_put(b, e, 6);
			} else {
				char e[6] = { '\\', '\\', 'x', hex[c >> 4], hex[c & 15] };
				vg_buf_put(b, e, 5);
			}
		}
		i++;
	}
	vg_buf_put(b, p + i - run, run);
	vg_buf_putc(b, '"');
}

void vg_json_cstr(struct vg_buf *b, const char *s)
{
	if (s)
		vg_json_str(b, s, strlen(s));
	else
		vg_buf_puts(b, "null");
}

void vg_json_time(struct vg_buf *b, uint64_t wall_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	char s[40];

	gmtime_r(&secs, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	vg_buf_printf(b, "\"%s.%09lluZ\"", s, (unsigned long long)(wall_ns % 1000000000ull));
}

static void json_ip(struct vg_buf *b, const struct vg_ip *ip)
{
	char s[INET6_ADDRSTRLEN] = "";

	inet_ntop(ip->family == 6 ? AF_INET6 : AF_INET, ip->addr, s, sizeof(s));
	vg_json_cstr(b, s);
}

static void json_list(struct vg_buf *b, const char *p, size_t len)
{
	size_t start = 0;
	bool first = true;

	vg_buf_putc(b, '[');
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i])
			continue;
		if (i == len && start == len)
			break;
		if (!first)
			vg_buf_putc(b, ',');
		vg_json_str(b, p + start, i - start);
		first = false;
		start = i + 1;
	}
	vg_buf_putc(b, ']');
}

void vg_json_value(struct vg_buf *b, const struct vg_value *v)
{
	switch (v->type) {
	case VG_V_STR: vg_json_str(b, v->str.ptr, v->str.len); break;
	case VG_V_LIST: json_list(b, v->str.ptr, v->str.len); break;
	case VG_V_INT: vg_buf_printf(b, "%lld", (long long)v->i); break;
	case VG_V_BOOL: vg_buf_puts(b, v->b ? "true" : "false"); break;
	case VG_V_IP: json_ip(b, &v->ip); break;
	}
}

/* Segments of a dotted name, at most 4 deep. */
static int split(const char *name, const char *seg[4], size_t len[4])
{
	int n = 0;

	while (n < 4) {
		const char *dot = strchr(name, '.');

		seg[n] = name;
		len[n] = dot ? (size_t)(dot - name) : strlen(name);
		n++;
		if (!dot)
			break;
		name = dot + 1;
	}
	return n;
}

void vg_json_fields(struct vg_buf *b, const struct vg_kv *kv, int n)
{
	const char *open[4];
	size_t open_len[4];
	int depth = 0;

	for (int i = 0; i < n; i++) {
		const char *seg[4];
		size_t len[4];
		int nseg = split(kv[i].field->name, seg, len), same = 0;
		bool first_in_obj;

		while (same < depth && same < nseg - 1 && len[same] == open_len[same] &&
		       memcmp(seg[same], open[same], len[same]) == 0)
			same++;
		first_in_obj = false;
		for (; depth > same; depth--)
			vg_buf_putc(b, '}');
		for (; depth < nseg - 1; depth++) {
			if (!first_in_obj)
				vg_buf_putc(b, ',');
			vg_json_str(b, seg[depth], len[depth]);
			vg_buf_puts(b, ":{");
			open[depth] = seg[depth];
			open_len[depth] = len[depth];
			first_in_obj = true;
		}
		if (!first_in_obj)
			vg_buf_putc(b, ',');
		vg_json_str(b, seg[nseg - 1], len[nseg - 1]);
		vg_buf_putc(b, ':');
		vg_json_value(b, &kv[i].v);
	}
	for (; depth > 0; depth--)
		vg_buf_putc(b, '}');
}

/* ,"key":"value" (value NULL: null) */
static void member(struct vg_buf *b, const char *key, const char *value)
{
	vg_buf_printf(b, ",\"%s\":", key);
	vg_json_cstr(b, value);
}

static void json_proc(struct vg_buf *b, const struct vg_event *ev)
{
	const struct vg_proc *p = ev->proc;
	struct vg_ancestor anc[VG_ANCESTORS];
	int n = vg_event_ancestors(ev, anc, VG_ANCESTORS);

	vg_buf_printf(b, "\"proc\":{\"pid\":%d,\"ppid\":%d,\"pgid\":%d,\"sid\":%d,\"uid\":%u,\"euid\":%u,"
			 "\"gid\":%u,\"egid\":%u,\"auid\":%d,\"user\":",
		      p->pid, p->ppid, p->pgid, p->sid, p->uid, p->euid, p->gid, p->egid, (int)p->auid);
	vg_json_cstr(b, vg_user_name(p->euid));
	member(b, "comm", p->comm);
	member(b, "exe", p->exe);
	member(b, "cmdline", p->cmdline);
	member(b, "cwd", p->cwd);
	member(b, "tty", p->tty);
	member(b, "exec_id", p->exec_id);
	member(b, "parent_exec_id", p->parent_exec_id);
	vg_buf_puts(b, ",\"ancestors\":[");
	for (int i = 0; i < n; i++) {
		vg_buf_printf(b, "%s{\"pid\":%d", i ? "," : "", anc[i].pid);
		member(b, "comm", anc[i].comm);
		member(b, "exe", anc[i].exe);
		member(b, "exec_id", anc[i].exec_id);
		vg_buf_putc(b, '}');
	}
	vg_buf_putc(b, ']');
	if (p->ld_preload[0])
		member(b, "ld_preload", p->ld_preload);
	if (p->ssh_connection[0])
		member(b, "ssh_connection", p->ssh_connection);
	vg_buf_putc(b, '}');
}

static void json_container(struct vg_buf *b, const struct vg_container *c)
{
	vg_buf_puts(b, ",\"container\":{\"id\":");
	vg_json_cstr(b, c->id);
	member(b, "runtime", c->runtime);
	member(b, "cgroup", c->cgroup);
	vg_buf_printf(b, ",\"pidns\":%u,\"mntns\":%u,\"netns\":%u", c->pidns, c->mntns, c->netns);
	member(b, "nodename", c->nodename);
	vg_buf_printf(b, ",\"in_host\":%s}", c->in_host ? "true" : "false");
}

void vg_json_event(struct vg_buf *b, const struct vg_event *ev)
{
	const struct vg_hdr *h = ev->raw;

	vg_buf_puts(b, "{\"kind\":\"event\",\"ts\":");
	vg_json_time(b, ev->ts_ns);
	vg_buf_printf(b, ",\"seq\":%llu,\"cpu\":%u,\"event\":\"%s\",\"id\":%u,\"host\":", (unsigned long long)h->seq,
		      h->cpu, vg_event_name(ev->type), vg_event_id(ev->type));
	vg_json_cstr(b, vg_host_name());
	vg_buf_printf(b, ",\"tid\":%u,\"ret\":%d,", h->tid, h->ret);
	json_proc(b, ev);
	json_container(b, &ev->proc->container);
	if (h->flags & VG_F_COMPAT32)
		vg_buf_puts(b, ",\"compat32\":true");
	if (h->flags & VG_F_KILLED)
		vg_buf_puts(b, ",\"killed\":true");
	if (h->flags & VG_F_AT_AGENT)
		vg_buf_puts(b, ",\"at_agent\":true");
	vg_json_fields(b, ev->fields, ev->nfields);
	vg_buf_putc(b, '}');
}

void vg_json_alert(struct vg_buf *b, const struct vg_alert *a, const struct vg_verdict *v)
{
	vg_buf_puts(b, "{\"kind\":\"alert\",\"ts\":");
	vg_json_time(b, a->ev->ts_ns);
	member(b, "rule", a->rule);
	vg_buf_printf(b, ",\"priority\":\"%s\",\"tags\":[", vg_priority_name(a->priority));
	for (int i = 0; i < a->ntags; i++) {
		if (i)
			vg_buf_putc(b, ',');
		vg_json_cstr(b, a->tags[i]);
	}
	vg_buf_putc(b, ']');
	member(b, "desc", a->desc);
	member(b, "output", a->output);
	vg_buf_printf(b, ",\"action\":\"%s\",\"killed\":%s", vg_action_name(a->action), v->killed ? "true" : "false");
	if (a->action == VG_ACTION_DENY)
		vg_buf_printf(b, ",\"denied\":%s", v->denied ? "true" : "false");
	vg_buf_printf(b, ",\"pid\":%d", a->ev->proc->pid);
	member(b, "exec_id", a->ev->proc->exec_id);
	vg_buf_puts(b, ",\"events\":[");
	for (int i = 0; i < a->nevidence; i++) {
		if (i)
			vg_buf_putc(b, ',');
		vg_json_event(b, a->evidence[i]);
	}
	vg_buf_puts(b, "]}");
}

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

/* Bytes written as they are: printable ASCII but the quote and the backslash. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* How many bytes from p on are plain, 8 at a time: a word is plain when no byte is below
 * 0x20, none has its top bit, none is '"' and none is '\\' (the classic zero-byte tests). */
static size_t plain_run(const unsigned char *p, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x, q, bs;

		memcpy(&x, p + i, 8);
		q = x ^ (ones * '"');
		bs = x ^ (ones * '\\');
		if (((x - ones * 0x20) | x | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & high)
			break;
	}
	while (i < len && plain(p[i]))
		i++;
	return i;
}

void vg_json_str(struct vg_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;

	if (b->len + len + 3 > b->cap) /* the common case, no escapes, in one growth */
		vg_buf_grow(b, len + 2);
	vg_buf_putc(b, '"');
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		if (plain(c)) {
			size_t n = plain_run(p + i, len - i);

			i += n;
			run += n;
			if (i == len)
				break;
			c = p[i];
		}
		if (c >= 0x80 && (n = vg_utf8_len(p + i, len - i))) {
			i += n;
			run += n;
			continue;
		}
		vg_buf_put(b, p + i - run, run);
		run = 0;
		switch (c) {
		case '"': VG_BUF_LIT(b, "\\\""); break;
		case '\\': VG_BUF_LIT(b, "\\\\\\\\"); break; /* decodes to \\: see json.h */
		case '\n': VG_BUF_LIT(b, "\\n"); break;
		case '\t': VG_BUF_LIT(b, "\\t"); break;
		case '\r': VG_BUF_LIT(b, "\\r"); break;
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
		VG_BUF_LIT(b, "null");
}

void vg_json_container_ref(struct vg_buf *b, const char *id, const char *name, const char *runtime, bool with_runtime)
{
	if (!id[0]) {
		vg_buf_puts(b, "null");
		return;
	}
	vg_buf_puts(b, "{\"id\":");
	vg_json_cstr(b, id);
	vg_buf_puts(b, ",\"name\":");
	vg_json_cstr(b, name);
	if (with_runtime) { /* null when the runtime is not known */
		vg_buf_puts(b, ",\"runtime\":");
		vg_json_cstr(b, runtime);
	}
	vg_buf_putc(b, '}');
}

/* Digits of v, width wide with leading zeros. */
static void put_digits(char *out, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

void vg_json_time(struct vg_buf *b, uint64_t wall_ns)
{
	/* events come in time order: the date and time of day change once a second */
	static __thread time_t last = -1;
	static __thread char day[32];
	static __thread size_t day_len;
	time_t secs = (time_t)(wall_ns / 1000000000ull);
	char frac[12] = ".";

	if (secs != last) {
		struct tm tm;

		gmtime_r(&secs, &tm);
		day_len = strftime(day + 1, sizeof(day) - 1, "%Y-%m-%dT%H:%M:%S", &tm) + 1;
		day[0] = '"';
		last = secs;
	}
	vg_buf_put(b, day, day_len);
	put_digits(frac + 1, (unsigned)(wall_ns % 1000000000ull), 9);
	frac[10] = 'Z';
	frac[11] = '"';
	vg_buf_put(b, frac, sizeof(frac));
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
	case VG_V_INT: vg_buf_i64(b, v->i); break;
	case VG_V_BOOL: v->b ? VG_BUF_LIT(b, "true") : VG_BUF_LIT(b, "false"); break;
	case VG_V_IP: json_ip(b, &v->ip); break;
	}
}

/* Segments of a dotted name, at most 4 deep. */
static int split(const char *name, const char *seg[4], size_t len[4])
{
	int n = 0;

	while (n < 4) {
		const char *p = name;

		while (*p && *p != '.')
			p++;
		seg[n] = name;
		len[n] = (size_t)(p - name);
		n++;
		if (!*p)
			break;
		name = p + 1;
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
			VG_BUF_LIT(b, ":{");
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

/* ,"key":"value" (value NULL: null); key is a literal */
#define MEMBER(b, key, value) (VG_BUF_LIT(b, ",\"" key "\":"), vg_json_cstr(b, value))
/* ,"key":N */
#define INT_MEMBER(b, key, v) (VG_BUF_LIT(b, ",\"" key "\":"), vg_buf_i64(b, v))

static void json_proc(struct vg_buf *b, const struct vg_event *ev)
{
	const struct vg_proc *p = ev->proc;
	struct vg_ancestor anc[VG_ANCESTORS];
	int n = vg_event_ancestors(ev, anc, VG_ANCESTORS);

	VG_BUF_LIT(b, "\"proc\":{\"pid\":");
	vg_buf_i64(b, p->pid);
	INT_MEMBER(b, "ppid", p->ppid);
	INT_MEMBER(b, "pgid", p->pgid);
	INT_MEMBER(b, "sid", p->sid);
	INT_MEMBER(b, "uid", p->uid);
	INT_MEMBER(b, "euid", p->euid);
	INT_MEMBER(b, "gid", p->gid);
	INT_MEMBER(b, "egid", p->egid);
	INT_MEMBER(b, "auid", (int)p->auid);
	MEMBER(b, "user", vg_user_name(p->euid));
	MEMBER(b, "comm", p->comm);
	MEMBER(b, "exe", p->exe);
	MEMBER(b, "cmdline", p->cmdline);
	MEMBER(b, "cwd", p->cwd);
	MEMBER(b, "tty", p->tty);
	MEMBER(b, "exec_id", p->exec_id);
	MEMBER(b, "parent_exec_id", p->parent_exec_id);
	VG_BUF_LIT(b, ",\"ancestors\":[");
	for (int i = 0; i < n; i++) {
		if (i)
			vg_buf_putc(b, ',');
		VG_BUF_LIT(b, "{\"pid\":");
		vg_buf_i64(b, anc[i].pid);
		MEMBER(b, "comm", anc[i].comm);
		MEMBER(b, "exe", anc[i].exe);
		MEMBER(b, "exec_id", anc[i].exec_id);
		vg_buf_putc(b, '}');
	}
	vg_buf_putc(b, ']');
	if (p->ld_preload[0])
		MEMBER(b, "ld_preload", p->ld_preload);
	if (p->ssh_connection[0])
		MEMBER(b, "ssh_connection", p->ssh_connection);
	vg_buf_putc(b, '}');
}

static void json_container(struct vg_buf *b, const struct vg_container *c)
{
	VG_BUF_LIT(b, ",\"container\":{\"id\":");
	vg_json_cstr(b, c->id);
	MEMBER(b, "runtime", c->runtime);
	MEMBER(b, "cgroup", c->cgroup);
	INT_MEMBER(b, "pidns", c->pidns);
	INT_MEMBER(b, "mntns", c->mntns);
	INT_MEMBER(b, "netns", c->netns);
	MEMBER(b, "nodename", c->nodename);
	c->in_host ? VG_BUF_LIT(b, ",\"in_host\":true}") : VG_BUF_LIT(b, ",\"in_host\":false}");
}

void vg_json_event(struct vg_buf *b, const struct vg_event *ev)
{
	const struct vg_hdr *h = ev->raw;

	VG_BUF_LIT(b, "{\"kind\":\"event\",\"ts\":");
	vg_json_time(b, ev->ts_ns);
	VG_BUF_LIT(b, ",\"seq\":");
	vg_buf_u64(b, h->seq);
	INT_MEMBER(b, "cpu", h->cpu);
	VG_BUF_LIT(b, ",\"event\":\"");
	vg_buf_puts(b, vg_event_name(ev->type));
	VG_BUF_LIT(b, "\",\"id\":");
	vg_buf_u64(b, vg_event_id(ev->type));
	MEMBER(b, "host", vg_host_name());
	INT_MEMBER(b, "tid", h->tid);
	INT_MEMBER(b, "ret", h->ret);
	vg_buf_putc(b, ',');
	json_proc(b, ev);
	json_container(b, &ev->proc->container);
	if (h->flags & VG_F_COMPAT32)
		VG_BUF_LIT(b, ",\"compat32\":true");
	if (h->flags & VG_F_KILLED)
		VG_BUF_LIT(b, ",\"killed\":true");
	if (h->flags & VG_F_AT_AGENT)
		VG_BUF_LIT(b, ",\"at_agent\":true");
	vg_json_fields(b, ev->fields, ev->nfields);
	vg_buf_putc(b, '}');
}

void vg_json_alert(struct vg_buf *b, const struct vg_alert *a, const struct vg_verdict *v)
{
	vg_buf_puts(b, "{\"kind\":\"alert\",\"ts\":");
	vg_json_time(b, a->ev->ts_ns);
	MEMBER(b, "rule", a->rule);
	vg_buf_printf(b, ",\"priority\":\"%s\",\"tags\":[", vg_priority_name(a->priority));
	for (int i = 0; i < a->ntags; i++) {
		if (i)
			vg_buf_putc(b, ',');
		vg_json_cstr(b, a->tags[i]);
	}
	vg_buf_putc(b, ']');
	MEMBER(b, "desc", a->desc);
	MEMBER(b, "output", a->output);
	vg_buf_printf(b, ",\"action\":\"%s\",\"killed\":%s", vg_action_name(a->action), v->killed ? "true" : "false");
	if (a->action == VG_ACTION_DENY)
		vg_buf_printf(b, ",\"denied\":%s", v->denied ? "true" : "false");
	vg_buf_printf(b, ",\"pid\":%d", a->ev->proc->pid);
	MEMBER(b, "exec_id", a->ev->proc->exec_id);
	vg_buf_puts(b, ",\"events\":[");
	for (int i = 0; i < a->nevidence; i++) {
		if (i)
			vg_buf_putc(b, ',');
		vg_json_event(b, a->evidence[i]);
	}
	vg_buf_puts(b, "]}");
}

/* table.c — a tool's rows from one column definition: aligned text under a header (the
 * libbpf-tools look) or one JSON object per line (see tool.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "output/json.h"
#include "tools/tool.h"

static bool is_context(const struct vg_col *c)
{
	return c->title[0] == 0 && c->key[0] == 0;
}

static const struct vg_col context_cols[] = {
	{ "USER", "user", -8, false },
	{ "CONTAINER", "container", -16, false },
	{ "EXE", "exe", -24, false },
};

void vg_table(struct vg_tool_ctx *t, const struct vg_col *cols, size_t n)
{
	t->cols = cols;
	t->ncols = n;
	vg_table_header(t);
}

/* Text: what goes before a cell (the separator), then the padded value. */
static void put_padded(struct vg_tool_ctx *t, const struct vg_col *c, const char *s, size_t len)
{
	int width = c->width < 0 ? -c->width : c->width;
	int pad = width > (int)len ? width - (int)len : 0;

	if (t->cell++)
		vg_buf_putc(&t->out, ' ');
	if (c->width > 0)
		vg_buf_printf(&t->out, "%*s", pad, "");
	vg_buf_put(&t->out, s, len);
	if (c->width < 0)
		vg_buf_printf(&t->out, "%*s", pad, "");
}

void vg_table_header(struct vg_tool_ctx *t)
{
	if (t->json)
		return;
	t->cell = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct vg_col *c = &t->cols[i];

		if (c->off || (is_context(c) && !t->context))
			continue;
		if (is_context(c)) {
			for (size_t k = 0; k < 3; k++)
				put_padded(t, &context_cols[k], context_cols[k].title, strlen(context_cols[k].title));
			continue;
		}
		put_padded(t, c, c->title, strlen(c->title));
	}
	/* no trailing blanks: the last column is usually unpadded anyway */
	while (t->out.len && t->out.p[t->out.len - 1] == ' ')
		t->out.len--;
	vg_buf_putc(&t->out, '\n');
}

void vg_row_begin(struct vg_tool_ctx *t)
{
	t->cell = 0;
	if (t->json)
		vg_buf_putc(&t->out, '{');
}

void vg_row_end(struct vg_tool_ctx *t)
{
	if (t->json) {
		vg_buf_puts(&t->out, "}\n");
		return;
	}
	while (t->out.len && t->out.p[t->out.len - 1] == ' ')
		t->out.len--;
	vg_buf_putc(&t->out, '\n');
}

static bool shown(struct vg_tool_ctx *t, size_t col)
{
	return col < t->ncols && !t->cols[col].off;
}

static void json_key(struct vg_tool_ctx *t, const char *key)
{
	if (t->cell++)
		vg_buf_putc(&t->out, ',');
	vg_json_cstr(&t->out, key);
	vg_buf_putc(&t->out, ':');
}

void vg_json_member(struct vg_tool_ctx *t, const char *name, const char *raw)
{
	if (!t->json)
		return;
	json_key(t, name);
	vg_buf_puts(&t->out, raw);
}

void vg_json_member_str(struct vg_tool_ctx *t, const char *name, const char *s)
{
	if (!t->json)
		return;
	json_key(t, name);
	vg_json_cstr(&t->out, s);
}

/* A value already formatted as text (and as a JSON literal when json_raw is set). */
static void cell_text(struct vg_tool_ctx *t, size_t col, const char *text, size_t len, const char *json_raw)
{
	if (!shown(t, col))
		return;
	if (t->json) {
		json_key(t, t->cols[col].key);
		if (json_raw)
			vg_buf_puts(&t->out, json_raw);
		else
			vg_json_str(&t->out, text, len);
		return;
	}
	put_padded(t, &t->cols[col], text, len);
}

void vg_cell_strn(struct vg_tool_ctx *t, size_t col, const char *s, size_t len)
{
	char clean[4096];
	size_t n = len < sizeof(clean) ? len : sizeof(clean);

	if (!shown(t, col))
		return;
	if (t->json || !s) {
		cell_text(t, col, s ? s : "", s ? len : 0, s ? NULL : "null");
		return;
	}
	/* a terminal must not get the traced program's control characters */
	for (size_t i = 0; i < n; i++)
		clean[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	cell_text(t, col, clean, n, NULL);
}

void vg_cell_str(struct vg_tool_ctx *t, size_t col, const char *s)
{
	vg_cell_strn(t, col, s, s ? strlen(s) : 0);
}

void vg_cell_int(struct vg_tool_ctx *t, size_t col, long long v)
{
	char s[32];
	int n = snprintf(s, sizeof(s), "%lld", v);

	cell_text(t, col, s, (size_t)n, s);
}

void vg_cell_double(struct vg_tool_ctx *t, size_t col, double v, int decimals)
{
	char s[64], j[64];
	int n = snprintf(s, sizeof(s), "%.*f", decimals, v);

	snprintf(j, sizeof(j), "%.9g", v);
	cell_text(t, col, s, (size_t)n, j);
}

void vg_clock_text(uint64_t wall_ns, char out[16])
{
	time_t secs = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;

	localtime_r(&secs, &tm);
	strftime(out, 16, "%H:%M:%S", &tm);
}

void vg_json_time_member(struct vg_tool_ctx *t, const char *name, uint64_t wall_ns)
{
	if (!t->json)
		return;
	json_key(t, name);
	vg_json_time(&t->out, wall_ns);
}

void vg_cell_clock(struct vg_tool_ctx *t, size_t col, uint64_t wall_ns)
{
	char s[16];

	if (!shown(t, col))
		return;
	if (t->json) {
		vg_json_time_member(t, t->cols[col].key, wall_ns);
		return;
	}
	vg_clock_text(wall_ns, s);
	put_padded(t, &t->cols[col], s, strlen(s));
}

void vg_cell_elapsed(struct vg_tool_ctx *t, size_t col, uint64_t boot_ns, int decimals)
{
	vg_cell_double(t, col, boot_ns > t->start_ns ? (double)(boot_ns - t->start_ns) / 1e9 : 0.0, decimals);
}

void vg_cell_ip(struct vg_tool_ctx *t, size_t col, unsigned family, const void *addr)
{
	char s[INET6_ADDRSTRLEN] = "-";

	if (family == VG_AF_INET || family == VG_AF_INET6)
		inet_ntop(family == VG_AF_INET ? AF_INET : AF_INET6, addr, s, sizeof(s));
	vg_cell_str(t, col, s);
}

void vg_cell_context(struct vg_tool_ctx *t, size_t col, uint32_t pid, uint64_t start_time, uint64_t cgroup_id,
		     uint32_t uid)
{
	const struct vg_tool_proc *p;

	if (!t->context || !shown(t, col))
		return;
	p = vg_tool_proc_of(t, pid, start_time, cgroup_id, uid);
	if (!t->json) {
		put_padded(t, &context_cols[0], p->user, strlen(p->user));
		put_padded(t, &context_cols[1], p->container_id[0] ? p->container_name : "-",
			   strlen(p->container_id[0] ? p->container_name : "-"));
		put_padded(t, &context_cols[2], p->exe[0] ? p->exe : "-", strlen(p->exe[0] ? p->exe : "-"));
		return;
	}
	json_key(t, "user");
	vg_json_cstr(&t->out, p->user);
	json_key(t, "container");
	if (p->container_id[0]) {
		vg_buf_puts(&t->out, "{\"id\":");
		vg_json_cstr(&t->out, p->container_id);
		vg_buf_puts(&t->out, ",\"name\":");
		vg_json_cstr(&t->out, p->container_name);
		vg_buf_puts(&t->out, ",\"runtime\":");
		vg_json_cstr(&t->out, p->runtime);
		vg_buf_putc(&t->out, '}');
	} else {
		vg_buf_puts(&t->out, "null");
	}
	json_key(t, "exe");
	vg_json_cstr(&t->out, p->exe);
}

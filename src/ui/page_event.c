/* page_event.c — /event/ID: one stored event with its full context: the alerts (and so
 * the incidents) it is evidence of, its process as stored, that process's ancestry, the
 * event's own fields, and the event as `vigil query` prints it. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "output/html.h"
#include "store/query.h"
#include "ui/internal.h"

/* These are shown as the event's header and process; the fields table has the rest. */
static const char *const header_members[] = { "kind", "id", "ts", "seq", "cpu", "event", "host", "ret", "proc", NULL };

static bool is_header(const char *key)
{
	for (int i = 0; header_members[i]; i++)
		if (strcmp(key, header_members[i]) == 0)
			return true;
	return false;
}

/* A value as one line of text: strings as they are, lists of strings joined with spaces,
 * anything else as compact JSON. */
static void value(struct vg_buf *b, json_t *v)
{
	if (json_is_string(v)) {
		vg_html_str(b, json_string_value(v), json_string_length(v));
	} else if (json_is_array(v) && json_array_size(v) && json_is_string(json_array_get(v, 0))) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x) {
			if (i)
				vg_buf_putc(b, ' ');
			if (json_is_string(x))
				vg_html_str(b, json_string_value(x), json_string_length(x));
		}
	} else {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		vg_html_cstr(b, s ? s : "");
		free(s);
	}
}

static void fact(struct vg_buf *b, const char *name, json_t *v)
{
	if (!v || json_is_null(v))
		return;
	vg_buf_puts(b, "<dt>");
	vg_html_cstr(b, name);
	vg_buf_puts(b, "</dt><dd>");
	value(b, v);
	vg_buf_puts(b, "</dd>\n");
}

/* Nested objects as dotted names: "file":{"path":..} is file.path. */
static void fields(struct vg_buf *b, json_t *obj, const char *prefix)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		char name[256];

		if (!*prefix && is_header(key))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", key);
		if (json_is_object(v))
			fields(b, v, name);
		else
			fact(b, name, v);
	}
}

static void process(struct vg_buf *b, json_t *p)
{
	static const char *const keys[] = { "pid", "ppid", "sid", "user", "uid", "euid", "comm", "exe", "argv", "cwd",
					    "tty", "container", "exec_id", "parent_exec_id", "session", NULL };

	vg_buf_puts(b, "<h2>Process</h2>\n<dl class=\"vg-facts\" id=\"vg-process\">\n");
	for (int i = 0; keys[i]; i++)
		fact(b, keys[i], json_object_get(p, keys[i]));
	vg_buf_puts(b, "</dl>\n");
}

static void ancestry(struct vg_buf *b, json_t *ancestors)
{
	size_t i;
	json_t *a;

	vg_buf_puts(b, "<h2>Ancestry</h2>\n");
	if (!json_array_size(ancestors)) {
		vg_buf_puts(b, "<p class=\"vg-dim\">None stored.</p>\n");
		return;
	}
	vg_buf_puts(b, "<table class=\"vg-table\" id=\"vg-ancestry\"><thead><tr><th>pid</th><th>user</th><th>exe</th>"
		       "<th>argv</th><th>exec_id</th><th>started</th></tr></thead><tbody>\n");
	json_array_foreach(ancestors, i, a) {
		static const char *const cols[] = { "pid", "user", "exe", "argv", "exec_id", "started", NULL };

		vg_buf_puts(b, "<tr>");
		for (int c = 0; cols[c]; c++) {
			vg_buf_puts(b, c == 3 ? "<td class=\"vg-output\">" : "<td>");
			if (json_object_get(a, cols[c]) && !json_is_null(json_object_get(a, cols[c])))
				value(b, json_object_get(a, cols[c]));
			vg_buf_puts(b, "</td>");
		}
		vg_buf_puts(b, "</tr>\n");
	}
	vg_buf_puts(b, "</tbody></table>\n");
}

static void alerts(struct vg_buf *b, json_t *list)
{
	size_t i;
	json_t *a;

	if (!json_array_size(list))
		return;
	vg_buf_puts(b, "<p id=\"vg-cited\">evidence of:");
	json_array_foreach(list, i, a) {
		long long incident = (long long)json_integer_value(json_object_get(a, "incident"));

		vg_buf_printf(b, "%s <a href=\"/incident/%lld\">incident #%lld</a> <span class=\"vg-rule\">", i ? ";" : "",
			      incident, incident);
		value(b, json_object_get(a, "rule"));
		vg_buf_puts(b, "</span> <span class=\"vg-prio vg-prio-");
		value(b, json_object_get(a, "priority"));
		vg_buf_puts(b, "\">");
		value(b, json_object_get(a, "priority"));
		vg_buf_puts(b, "</span>");
	}
	vg_buf_puts(b, "</p>\n");
}

void vg_ui_page_event(const struct vg_ui_request *rq, struct vg_ui_reply *r)
{
	struct vg_buf ctx = { 0 }, raw = { 0 };
	json_t *root, *ev;
	char title[64];

	if (*rq->rest || vg_store_event_context_json(rq->ui->st, rq->id, &ctx) < 0) {
		vg_ui_fail(r, 404, "no event %lld in %s", (long long)rq->id, vg_store_path(rq->ui->st));
		vg_buf_free(&ctx);
		return;
	}
	if (!(root = json_loadb(ctx.p, ctx.len, JSON_ALLOW_NUL, NULL))) {
		vg_ui_fail(r, 500, "event %lld is stored as JSON that does not read back", (long long)rq->id);
		vg_buf_free(&ctx);
		return;
	}
	ev = json_object_get(root, "event");
	snprintf(title, sizeof(title), "vigil event %lld", (long long)rq->id);
	vg_render_html_begin(&r->body, title, &vg_ui_page_opts);
	vg_buf_printf(&r->body, "<h1>Event %lld <code>", (long long)rq->id);
	value(&r->body, json_object_get(ev, "event"));
	vg_buf_puts(&r->body, "</code></h1>\n<p class=\"vg-summary\"><time>");
	value(&r->body, json_object_get(ev, "ts"));
	vg_buf_puts(&r->body, "</time> &middot; host ");
	value(&r->body, json_object_get(ev, "host"));
	vg_buf_puts(&r->body, " &middot; ret ");
	value(&r->body, json_object_get(ev, "ret"));
	vg_buf_puts(&r->body, " &middot; cpu ");
	value(&r->body, json_object_get(ev, "cpu"));
	vg_buf_puts(&r->body, " seq ");
	value(&r->body, json_object_get(ev, "seq"));
	vg_buf_puts(&r->body, "</p>\n");
	alerts(&r->body, json_object_get(root, "alerts"));
	vg_buf_puts(&r->body, "<h2>Fields</h2>\n<dl class=\"vg-facts\" id=\"vg-fields\">\n");
	fields(&r->body, ev, "");
	vg_buf_puts(&r->body, "</dl>\n");
	if (json_is_object(json_object_get(ev, "proc")))
		process(&r->body, json_object_get(ev, "proc"));
	ancestry(&r->body, json_object_get(root, "ancestors"));
	vg_buf_puts(&r->body, "<h2>As stored</h2>\n<pre class=\"vg-json\" id=\"vg-raw\">");
	vg_store_event_json(rq->ui->st, rq->id, &raw);
	vg_html_json_pretty(&r->body, raw.p ? raw.p : "", raw.len);
	vg_buf_puts(&r->body, "</pre>\n");
	vg_render_html_end(&r->body, &vg_ui_page_opts);
	json_decref(root);
	vg_buf_free(&raw);
	vg_buf_free(&ctx);
}

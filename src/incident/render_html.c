/* render_html.c — an incident as one HTML page (render.h): the page `vigil show --format
 * html` writes and the UI serves.
 *
 * Everything the page says about the incident is in its markup (summary, alerts, the
 * SVG, timeline, evidence), written here with every string through vg_html_str; the
 * script (src/ui/assets/vigil.js) only adds zoom, pan and the node panel, built with
 * textContent from the graph's JSON, which sits in a <script type="application/json">
 * with < > & escaped (vg_html_json). A file has a Content-Security-Policy that lets it
 * load nothing from anywhere: it works offline and cannot leak what it shows. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "incident/render.h"
#include "incident/tactics.h"
#include "output/html.h"
#include "rules/rules.h"
#include "store/query.h"
#include "ui/assets.h"

#define TIMELINE_MAX 2000 /* steps listed; the JSON has them all */

static void h(struct vg_buf *b, const char *s)
{
	vg_html_cstr(b, s);
}

static void stamp(struct vg_buf *b, uint64_t ns, bool date)
{
	char when[48];

	vg_render_stamp(when, sizeof(when), ns, date);
	vg_buf_printf(b, "<time>%s</time>", when);
}

/* An asset inline (as the body of <style> or <script>). */
static void inline_asset(struct vg_buf *b, const char *name)
{
	const struct vg_asset *a = vg_asset_find(name);

	if (a)
		vg_buf_put(b, a->data, a->len);
}

void vg_render_html_begin(struct vg_buf *b, const char *title, const struct vg_html_opts *o)
{
	vg_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		       "<meta name=\"referrer\" content=\"no-referrer\">\n<link rel=\"icon\" href=\"data:,\">\n");
	if (!o->linked_assets) /* a file: nothing from anywhere, not even its own directory */
		vg_buf_puts(b, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			       "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
	vg_buf_puts(b, "<title>");
	h(b, title);
	vg_buf_puts(b, "</title>\n");
	if (o->linked_assets) {
		vg_buf_puts(b, "<link rel=\"stylesheet\" href=\"/assets/vigil.css\">\n");
	} else {
		vg_buf_puts(b, "<style>\n");
		inline_asset(b, "vigil.css");
		vg_buf_puts(b, "</style>\n");
	}
	vg_buf_puts(b, "</head>\n<body");
	if (o->event_href) {
		vg_buf_puts(b, " data-event-href=\"");
		h(b, o->event_href);
		vg_buf_putc(b, '"');
	}
	if (o->node_events) {
		vg_buf_puts(b, " data-node-events=\"");
		h(b, o->node_events);
		vg_buf_putc(b, '"');
	}
	vg_buf_puts(b, ">\n<header class=\"vg-top\"><span class=\"vg-brand\">vigil</span>");
	if (o->home) {
		vg_buf_puts(b, " <a href=\"");
		h(b, o->home);
		vg_buf_puts(b, "\">incidents</a>");
	}
	vg_buf_puts(b, "</header>\n<main>\n");
}

void vg_render_html_end(struct vg_buf *b, const struct vg_html_opts *o)
{
	vg_buf_puts(b, "</main>\n");
	if (o->linked_assets) {
		vg_buf_puts(b, "<script src=\"/assets/vigil.js\"></script>\n");
	} else {
		vg_buf_puts(b, "<script>\n");
		inline_asset(b, "vigil.js");
		vg_buf_puts(b, "</script>\n");
	}
	vg_buf_puts(b, "</body></html>\n");
}

/* ---- parts of the incident page ------------------------------------------------------ */

static void event_link(struct vg_buf *b, const struct vg_html_opts *o, int64_t id, bool in_file)
{
	if (!id)
		return;
	if (o->event_href) {
		vg_buf_puts(b, "<a href=\"");
		h(b, o->event_href);
		vg_buf_printf(b, "%lld\">%lld</a>", (long long)id, (long long)id);
	} else if (in_file) {
		vg_buf_printf(b, "<a href=\"#ev-%lld\">%lld</a>", (long long)id, (long long)id);
	} else {
		vg_buf_printf(b, "%lld", (long long)id);
	}
}

static void node_ref(struct vg_buf *b, const struct vg_graph_node *n)
{
	vg_buf_printf(b, "<a class=\"vg-node-ref vg-%s\" href=\"#node=%s\" data-node=\"%s\">", vg_node_kind_name(n->kind),
		      n->id, n->id);
	h(b, n->label);
	vg_buf_puts(b, "</a>");
}

static void tactics(struct vg_buf *b, uint32_t mask)
{
	vg_buf_puts(b, "<ol class=\"vg-tactics\">");
	for (unsigned t = 0; t < VG_TACTIC__COUNT; t++)
		if (mask & (1u << t))
			vg_buf_printf(b, "<li>%s</li>", vg_tactic_name(t));
	vg_buf_puts(b, "</ol>");
}

static void prio(struct vg_buf *b, int priority, const char *text)
{
	vg_buf_printf(b, "<span class=\"vg-prio vg-prio-%s\">%s</span>", vg_priority_name(priority),
		      text ? text : vg_priority_name(priority));
}

void vg_render_incidents_html(struct vg_buf *b, const struct vg_incident *incs, int n, const char *href)
{
	vg_buf_puts(b, "<table class=\"vg-table\" id=\"vg-incidents\"><thead><tr><th>#</th><th>score</th><th>priority</th>"
		       "<th>state</th><th>first</th><th>last</th><th>host</th><th>tactics</th><th>alerts</th></tr></thead>"
		       "<tbody>\n");
	for (int i = 0; i < n; i++) {
		const struct vg_incident *inc = &incs[i];

		vg_buf_printf(b, "<tr data-incident=\"%lld\"><td><a href=\"", (long long)inc->id);
		h(b, href);
		vg_buf_printf(b, "%lld\">#%lld</a></td><td>%.2f</td><td>", (long long)inc->id, (long long)inc->id,
			      inc->score);
		prio(b, inc->priority, NULL);
		vg_buf_printf(b, "</td><td>%s</td><td>", inc->open ? "open" : "closed");
		stamp(b, inc->first, true);
		vg_buf_puts(b, "</td><td>");
		stamp(b, inc->last, true);
		vg_buf_puts(b, "</td><td>");
		for (int j = 0; j < inc->nhosts; j++) {
			if (j)
				vg_buf_putc(b, ' ');
			h(b, inc->hosts[j]);
		}
		vg_buf_puts(b, "</td><td>");
		tactics(b, inc->tactics);
		vg_buf_puts(b, "</td><td><ul class=\"vg-alert-list\">");
		for (int j = 0; j < inc->nalerts; j++) {
			vg_buf_puts(b, "<li>");
			prio(b, inc->alerts[j].priority, NULL);
			vg_buf_putc(b, ' ');
			h(b, inc->alerts[j].rule);
			if (inc->alerts[j].count > 1)
				vg_buf_printf(b, " <b>&times;%llu</b>", (unsigned long long)inc->alerts[j].count);
			vg_buf_puts(b, "</li>");
		}
		vg_buf_puts(b, "</ul></td></tr>\n");
	}
	vg_buf_puts(b, "</tbody></table>\n");
	if (!n)
		vg_buf_puts(b, "<p class=\"vg-dim\">No incidents.</p>\n");
}

static void summary(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g)
{
	int procs = 0;

	vg_buf_printf(b, "<h1>Incident #%lld ", (long long)inc->id);
	prio(b, inc->priority, NULL);
	vg_buf_printf(b, " <span class=\"vg-state\">%s</span></h1>\n", inc->open ? "open" : "closed");
	vg_buf_printf(b, "<p class=\"vg-summary\">score <b>%.2f</b> &middot; %d alert%s, %llu occurrences &middot; ",
		      inc->score, inc->nalerts, inc->nalerts == 1 ? "" : "s", (unsigned long long)inc->count);
	stamp(b, inc->first, true);
	vg_buf_puts(b, " &ndash; ");
	stamp(b, inc->last, true);
	vg_buf_puts(b, " &middot; host");
	for (int i = 0; i < inc->nhosts; i++) {
		vg_buf_putc(b, ' ');
		h(b, inc->hosts[i]);
	}
	vg_buf_puts(b, "</p>\n");
	tactics(b, inc->tactics);
	vg_buf_puts(b, "\n<p class=\"vg-scopes\">scope:");
	for (int i = 0; i < inc->nscopes; i++) {
		if (strcmp(inc->scopes[i].kind, "proc") == 0) {
			procs++;
			continue;
		}
		vg_buf_putc(b, ' ');
		h(b, inc->scopes[i].kind);
		vg_buf_puts(b, " <code>");
		h(b, inc->scopes[i].key);
		vg_buf_puts(b, "</code>;");
	}
	if (procs)
		vg_buf_printf(b, " the descendants of its %d alerting process%s", procs, procs == 1 ? "" : "es");
	if (g->entry >= 0) {
		vg_buf_puts(b, "<br>came in through: ");
		node_ref(b, &g->nodes[g->entry]);
	}
	vg_buf_puts(b, "</p>\n");
}

static void alerts_table(struct vg_buf *b, const struct vg_incident *inc)
{
	vg_buf_puts(b, "<section id=\"vg-alerts\"><h2>Alerts</h2>\n<table class=\"vg-table\"><thead><tr><th>rule</th>"
		       "<th>priority</th><th>count</th><th>first</th><th>last</th><th>action</th><th>processes</th>"
		       "<th>output</th></tr></thead><tbody>\n");
	for (int i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *a = &inc->alerts[i];

		vg_buf_printf(b, "<tr data-alert=\"%lld\"><td class=\"vg-rule\">", (long long)a->id);
		h(b, a->rule);
		vg_buf_puts(b, "</td><td>");
		prio(b, a->priority, NULL);
		vg_buf_printf(b, "</td><td>%llu</td><td>", (unsigned long long)a->count);
		stamp(b, a->first, false);
		vg_buf_puts(b, "</td><td>");
		stamp(b, a->last, false);
		vg_buf_puts(b, "</td><td>");
		h(b, a->action);
		if (a->killed)
			vg_buf_printf(b, " (killed %llu)", (unsigned long long)a->killed);
		if (a->denied)
			vg_buf_printf(b, " (denied %llu)", (unsigned long long)a->denied);
		vg_buf_printf(b, "</td><td>%d</td><td class=\"vg-output\"><div class=\"vg-clamp\" title=\"", a->nprocs);
		h(b, a->output);
		vg_buf_puts(b, "\">");
		h(b, a->output);
		vg_buf_puts(b, "</div>");
		if (a->count > 1 && a->last_output && strcmp(a->last_output, a->output) != 0) {
			vg_buf_puts(b, "<br><span class=\"vg-dim\">last: </span>");
			h(b, a->last_output);
		}
		vg_buf_puts(b, "</td></tr>\n");
	}
	vg_buf_puts(b, "</tbody></table></section>\n");
}

static void legend(struct vg_buf *b)
{
	vg_buf_puts(b, "<span class=\"vg-legend\"><i class=\"vg-k-process\"></i>process <i class=\"vg-k-alerting\"></i>alerting "
		       "<i class=\"vg-k-context\"></i>came in through <i class=\"vg-k-file\"></i>file "
		       "<i class=\"vg-k-endpoint\"></i>endpoint <i class=\"vg-k-evidence\"></i>evidence</span>");
}

static void downloads(struct vg_buf *b, const char *base)
{
	static const char *const files[] = { "graph.svg", "graph.dot", "show.json" };

	vg_buf_puts(b, " <span class=\"vg-downloads\">");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		vg_buf_puts(b, " <a href=\"");
		h(b, base);
		vg_buf_printf(b, "%s\">%s</a>", files[i], files[i]);
	}
	vg_buf_puts(b, "</span>");
}

static int path_section(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g,
			const struct vg_html_opts *o, char *err, size_t errlen)
{
	struct vg_buf svg = { 0 };
	const char *start;

	if (vg_render_graph_svg(&svg, inc, g, err, errlen) < 0) {
		vg_buf_free(&svg);
		return -1;
	}
	vg_buf_puts(b, "<section id=\"vg-path\"><h2>Attack path</h2>\n<div class=\"vg-tools\">"
		       "<button type=\"button\" data-zoom=\"in\" title=\"zoom in\">+</button>"
		       "<button type=\"button\" data-zoom=\"out\" title=\"zoom out\">&minus;</button>"
		       "<button type=\"button\" data-zoom=\"fit\" title=\"fit\">fit</button> ");
	legend(b);
	if (o->downloads)
		downloads(b, o->downloads);
	vg_buf_printf(b, "</div>\n<div class=\"vg-pathbox\"><div id=\"vg-graph\" data-nodes=\"%d\" data-edges=\"%d\">\n",
		      g->nnodes, g->nedges);
	/* graphviz's document without its XML prolog and doctype: the <svg> element */
	start = strstr(svg.p, "<svg");
	vg_buf_puts(b, start ? start : "");
	vg_buf_puts(b, "</div>\n<aside id=\"vg-node\"><p class=\"vg-dim\">Click a node for its details and events.</p></aside>"
		       "</div>\n");
	if (g->omitted_events)
		vg_buf_printf(b, "<p class=\"vg-dim\">%llu events of these processes are not drawn (reads and executions of "
				 "files the incident did not write): <code>vigil query tree EXEC_ID</code> lists them.</p>\n",
			      (unsigned long long)g->omitted_events);
	if (g->truncated)
		vg_buf_printf(b, "<p class=\"vg-dim\">The incident has more than %d processes: the first are drawn.</p>\n",
			      VG_GRAPH_MAX_PROCS);
	vg_buf_puts(b, "</section>\n");
	vg_buf_free(&svg);
	return 0;
}

static bool has_id(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void timeline_section(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g,
			     const struct vg_html_opts *o, const int64_t *evidence, int nevidence)
{
	struct vg_timeline_entry *t;
	int n;

	vg_timeline_build(inc, g, &t, &n);
	vg_buf_puts(b, "<section id=\"vg-timeline\"><h2>Timeline</h2>\n<table class=\"vg-table\"><thead><tr><th>time</th>"
		       "<th>step</th><th>from</th><th>to</th><th>count</th><th>event</th></tr></thead><tbody>\n");
	for (int i = 0; i < n && i < TIMELINE_MAX; i++) {
		if (t[i].alert >= 0) {
			const struct vg_incident_alert *a = &inc->alerts[t[i].alert];

			vg_buf_printf(b, "<tr class=\"vg-alert-row\" data-alert=\"%lld\"><td>", (long long)a->id);
			stamp(b, t[i].ts, false);
			vg_buf_puts(b, "</td><td>");
			prio(b, a->priority, "alert");
			vg_buf_puts(b, "</td><td colspan=\"2\">");
			h(b, a->rule);
			vg_buf_printf(b, "</td><td>%llu</td><td>", (unsigned long long)a->count);
			if (a->nevidence)
				event_link(b, o, a->evidence[0], has_id(evidence, nevidence, a->evidence[0]));
			vg_buf_puts(b, "</td></tr>\n");
		} else {
			const struct vg_graph_edge *e = &g->edges[t[i].edge];
			const struct vg_graph_node *from = &g->nodes[e->from], *to = &g->nodes[e->to];
			const char *kind = vg_edge_kind_name(e->kind);

			vg_buf_printf(b, "<tr data-edge=\"%s_%s_%s\"%s><td>", from->id, kind, to->id,
				      e->evidence ? " class=\"vg-evidence\"" : "");
			stamp(b, t[i].ts, false);
			vg_buf_printf(b, "</td><td>%s</td><td>", kind);
			node_ref(b, from);
			vg_buf_puts(b, "</td><td>");
			node_ref(b, to);
			vg_buf_printf(b, "</td><td>%llu</td><td>", (unsigned long long)e->count);
			event_link(b, o, e->event, has_id(evidence, nevidence, e->event));
			vg_buf_puts(b, "</td></tr>\n");
		}
	}
	vg_buf_puts(b, "</tbody></table>\n");
	if (n > TIMELINE_MAX)
		vg_buf_printf(b, "<p class=\"vg-dim\">%d more steps: <code>vigil show --format json %lld</code></p>\n",
			      n - TIMELINE_MAX, (long long)inc->id);
	vg_buf_puts(b, "</section>\n");
	free(t);
}

/* One evidence event: a line that says what it is, then the event as stored. */
static void evidence_event(struct vg_buf *b, const struct vg_incident *inc, int64_t id, const char *json, size_t len)
{
	json_t *ev = json_loadb(json, len, JSON_ALLOW_NUL, NULL);

	vg_buf_printf(b, "<details class=\"vg-event\" id=\"ev-%lld\"><summary><b>%lld</b> ", (long long)id, (long long)id);
	if (ev) {
		json_t *proc = json_object_get(ev, "proc");

		h(b, json_string_value(json_object_get(ev, "ts")));
		vg_buf_puts(b, " <b>");
		h(b, json_string_value(json_object_get(ev, "event")));
		vg_buf_puts(b, "</b> ");
		h(b, json_string_value(json_object_get(proc, "comm")));
		vg_buf_printf(b, " pid %lld", (long long)json_integer_value(json_object_get(proc, "pid")));
		json_decref(ev);
	}
	for (int i = 0; i < inc->nalerts; i++)
		if (has_id(inc->alerts[i].evidence, inc->alerts[i].nevidence, id)) {
			vg_buf_puts(b, " <span class=\"vg-dim\">&middot;</span> <span class=\"vg-rule\">");
			h(b, inc->alerts[i].rule);
			vg_buf_puts(b, "</span>");
		}
	vg_buf_puts(b, "</summary><pre class=\"vg-json\">");
	vg_html_json_pretty(b, json, len);
	vg_buf_puts(b, "</pre></details>\n");
}

/* The evidence events (each once, by first citation); their ids in *ids. */
static void evidence_section(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, int64_t **ids,
			     int *n)
{
	struct vg_buf ev = { 0 };

	*ids = NULL;
	*n = 0;
	vg_buf_puts(b, "<section id=\"vg-evidence\"><h2>Evidence</h2>\n");
	for (int i = 0; i < inc->nalerts; i++)
		for (int j = 0; j < inc->alerts[i].nevidence; j++) {
			int64_t id = inc->alerts[i].evidence[j];

			if (has_id(*ids, *n, id))
				continue;
			vg_buf_reset(&ev);
			if (vg_store_event_json(st, id, &ev) < 0)
				continue;
			*ids = realloc(*ids, (size_t)(*n + 1) * sizeof(**ids));
			if (!*ids)
				abort();
			(*ids)[(*n)++] = id;
			evidence_event(b, inc, id, ev.p, ev.len);
		}
	if (!*n)
		vg_buf_puts(b, "<p class=\"vg-dim\">No evidence event is in the store any more.</p>\n");
	vg_buf_puts(b, "</section>\n");
	vg_buf_free(&ev);
}

/* The incident and its graph as JSON for the script. */
static void data_block(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g)
{
	struct vg_buf j = { 0 };

	vg_buf_puts(&j, "{\"incident\":");
	vg_render_incident_json(&j, inc);
	vg_buf_puts(&j, ",\"graph\":");
	vg_render_graph_json(&j, g);
	vg_buf_putc(&j, '}');
	vg_buf_puts(b, "<script type=\"application/json\" id=\"vg-data\">");
	vg_html_json(b, j.p, j.len);
	vg_buf_puts(b, "</script>\n");
	vg_buf_free(&j);
}

int vg_render_show_html(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc,
			const struct vg_graph *g, const struct vg_html_opts *o, char *err, size_t errlen)
{
	struct vg_buf evidence = { 0 };
	int64_t *ids;
	int nids, rc;
	char title[64];

	snprintf(title, sizeof(title), "vigil incident #%lld", (long long)inc->id);
	vg_render_html_begin(b, title, o);
	summary(b, inc, g);
	/* the evidence first, apart, so that the timeline knows which events the page has */
	evidence_section(&evidence, st, inc, &ids, &nids);
	rc = path_section(b, inc, g, o, err, errlen);
	if (rc == 0) {
		alerts_table(b, inc);
		timeline_section(b, inc, g, o, ids, nids);
		vg_buf_put(b, evidence.p, evidence.len);
		data_block(b, inc, g);
		vg_render_html_end(b, o);
	}
	free(ids);
	vg_buf_free(&evidence);
	return rc;
}

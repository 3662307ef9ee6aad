/* page_incident.c — /incident/ID: the incident page (render_html.c), and the same
 * incident as /incident/ID/graph.svg, graph.dot and show.json (what `vigil show
 * --format` prints). */
#include <stdio.h>
#include <string.h>
#include "incident/graph.h"
#include "incident/incident.h"
#include "incident/render.h"
#include "ui/internal.h"

/* What follows /incident/ID, and the format of vg_render_show it asks for. */
static const struct {
	const char *rest, *format;
} pages[] = {
	{ "", "html" },
	{ "/graph.svg", "svg" },
	{ "/graph.dot", "dot" },
	{ "/show.json", "json" },
};

void vg_ui_page_incident(const struct vg_ui_request *rq, struct vg_ui_reply *r)
{
	struct vg_store *st = rq->ui->st;
	struct vg_html_opts o = vg_ui_page_opts;
	const char *format = NULL;
	struct vg_incident inc;
	struct vg_graph g;
	char err[512], base[64], nodes[64];

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(rq->rest, pages[i].rest) == 0)
			format = pages[i].format;
	if (!format) {
		vg_ui_fail(r, 404, "nothing at %s", rq->path);
		return;
	}
	if (vg_incident_load(st, rq->id, &inc) < 0) {
		vg_ui_fail(r, 404, "no incident %lld in %s", (long long)rq->id, vg_store_path(st));
		return;
	}
	if (vg_graph_build(st, &inc, &g) < 0) {
		vg_ui_fail(r, 500, "cannot build the graph of incident %lld", (long long)rq->id);
		vg_incident_free(&inc);
		return;
	}
	snprintf(base, sizeof(base), "/incident/%lld/", (long long)inc.id);
	snprintf(nodes, sizeof(nodes), "/incident/%lld/node/", (long long)inc.id);
	o.downloads = base;
	o.node_events = nodes;
	r->type = vg_render_show_type(format);
	if (vg_render_show(&r->body, st, &inc, &g, format, &o, err, sizeof(err)) < 0)
		vg_ui_fail(r, 500, "incident %lld cannot be drawn: %s", (long long)inc.id, err);
	vg_graph_free(&g);
	vg_incident_free(&inc);
}

/* page_node.c — /incident/ID/node/NODE: the events of one node of an incident's attack
 * path (what the page's script shows when the node is clicked), as JSON:
 * {"node":"p41","members":N,"events":[...],"truncated":BOOL}. A process's events, a
 * file's (as file or second file), an endpoint's flow, within the graph's time span; a
 * collapsed node's are those of its first member. Only nodes of that incident's graph. */
#include <string.h>
#include "incident/graph.h"
#include "incident/incident.h"
#include "output/json.h"
#include "store/query.h"
#include "ui/internal.h"

#define NODE_EVENTS_MAX 500

static void json_fail(struct vg_ui_reply *r, int status, const char *msg)
{
	vg_buf_reset(&r->body);
	r->status = status;
	r->type = "application/json";
	vg_buf_puts(&r->body, "{\"error\":");
	vg_json_cstr(&r->body, msg);
	vg_buf_putc(&r->body, '}');
}

void vg_ui_page_node(const struct vg_ui_request *rq, struct vg_ui_reply *r)
{
	const char *id = rq->rest + strlen("/node/");
	struct vg_store *st = rq->ui->st;
	const struct vg_graph_node *n = NULL;
	struct vg_incident inc;
	struct vg_graph g;
	struct vg_buf events = { 0 };

	if (vg_incident_load(st, rq->id, &inc) < 0) {
		json_fail(r, 404, "no such incident");
		return;
	}
	if (vg_graph_build(st, &inc, &g) < 0) {
		json_fail(r, 500, "cannot build the graph");
		vg_incident_free(&inc);
		return;
	}
	for (int i = 0; i < g.nnodes && !n; i++)
		if (strcmp(g.nodes[i].id, id) == 0)
			n = &g.nodes[i];
	if (!n) {
		json_fail(r, 404, "no such node in this incident's graph");
	} else if (vg_store_row_events_json(st, n->id[0], n->row, g.from, g.to, NODE_EVENTS_MAX, &events) < 0) {
		json_fail(r, 500, "cannot read its events");
	} else {
		r->type = "application/json";
		vg_buf_puts(&r->body, "{\"node\":");
		vg_json_cstr(&r->body, n->id);
		vg_buf_printf(&r->body, ",\"members\":%d,", n->count);
		vg_buf_put(&r->body, events.p + 1, events.len - 1); /* its members after its brace */
	}
	vg_buf_free(&events);
	vg_graph_free(&g);
	vg_incident_free(&inc);
}

/* render.h — incidents as JSON and as text: `vigil incidents` and `vigil show`.
 *
 * The JSON is the contract the attack-path renderers and the UI build on: an incident
 * object (id, score, priority, tactics in kill-chain order, hosts, first, last, count,
 * open, scopes, alerts with rule, priority, count, first, last, evidence event ids and
 * processes), and for `show` also its timeline, its graph (graph.h: nodes and edges with
 * times) and its evidence events in full. docs/evidence.md documents every member. */
#ifndef VIGIL_RENDER_H
#define VIGIL_RENDER_H

#include <stdio.h>
#include "incident/graph.h"
#include "incident/incident.h"
#include "output/buf.h"

/* A step of an incident's story, oldest first: an alert's first occurrence, or an edge's. */
struct vg_timeline_entry {
	uint64_t ts;
	int alert; /* index in inc->alerts, or -1 */
	int edge;  /* index in g->edges, or -1 */
};

/* The timeline of inc over g; *out (freed by the caller) has *n entries. */
void vg_timeline_build(const struct vg_incident *inc, const struct vg_graph *g, struct vg_timeline_entry **out,
		       int *n);

/* {"id":..,...,"alerts":[...]} */
void vg_render_incident_json(struct vg_buf *b, const struct vg_incident *inc);
/* The incident object with "timeline", "graph" and "evidence" (the events, as stored). */
void vg_render_show_json(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc,
			 const struct vg_graph *g);
void vg_render_graph_json(struct vg_buf *b, const struct vg_graph *g);
/* One line per incident, with its alerts under it. */
void vg_render_incidents_text(FILE *out, const struct vg_incident *incs, int n, bool color);
/* Summary, alerts, processes (as a tree), files, connections, timeline. */
void vg_render_show_text(FILE *out, const struct vg_incident *inc, const struct vg_graph *g, bool color);

#endif

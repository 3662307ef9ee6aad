/* render.h — incidents as JSON and as text (`vigil incidents`, `vigil show`), and their
 * attack path drawn: DOT, SVG laid out by graphviz, one self-contained HTML page (which
 * the web UI serves too).
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

/* "12:00:01.234Z", or with date "2026-12-01T12:00:01.234Z" (UTC). */
void vg_render_stamp(char *out, size_t len, uint64_t ns, bool date);

/* ---- the attack path drawn ------------------------------------------------------------
 * render_dot.c: g as Graphviz DOT, left to right: where it came in (the context
 * processes, dashed, and the endpoints that connected in), what ran, what it dropped or
 * read, where it talked. Alerting processes are red with the rules
 * that fired on them, collapsed siblings say how many they are, every edge says its kind,
 * first time and count. Node ids are the graph's ("p41", "f77", "n5"), edge ids
 * "FROM_KIND_TO" ("p41_create_f77"): graphviz carries both into the SVG, where the UI
 * finds them. Every string is escaped for DOT (and its entities): a label is only ever
 * text. A graph beyond VG_DRAW_MAX_NODES keeps its alerting nodes, where it came in,
 * their ancestors and neighbours, then the oldest, and says how many it left out. */
#define VG_DRAW_MAX_NODES 400

void vg_render_graph_dot(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g);
/* render_svg.c: the DOT laid out by graphviz's dot in this process (libgvc), as an SVG
 * document. -1 with err set when graphviz fails. */
int vg_render_graph_svg(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g, char *err,
			size_t errlen);

/* render_html.c: one HTML page. The same page is `vigil show --format html` (one file
 * that needs nothing else: stylesheet, script and evidence inside) and the UI's incident
 * page (stylesheet and script from /assets/, events on their own pages). */
struct vg_html_opts {
	bool linked_assets;      /* <link>/<script src> to /assets/ (the UI, under its CSP), else inline */
	const char *home;        /* the incident list's address, or NULL (no link back) */
	const char *event_href;  /* events link to event_href + id (the UI); NULL: to the file's evidence */
	const char *node_events; /* the script fetches a node's events from node_events + node id */
	const char *downloads;   /* links to downloads + graph.svg, graph.dot, show.json, or NULL */
};

void vg_render_html_begin(struct vg_buf *b, const char *title, const struct vg_html_opts *o);
void vg_render_html_end(struct vg_buf *b, const struct vg_html_opts *o);
/* Incidents as a table, one row each (score, priority, state, times, hosts, tactics,
 * alerts with their counts), each linking to href + its id. */
void vg_render_incidents_html(struct vg_buf *b, const struct vg_incident *incs, int n, const char *href);
/* render.c: the incident in format ("json", "dot", "svg", "html"; o for html, NULL: a
 * file), as `vigil show --format` prints it and the UI serves it. -1 with err set for
 * another format or when the drawing fails. */
int vg_render_show(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g,
		   const char *format, const struct vg_html_opts *o, char *err, size_t errlen);
/* The Content-Type of a format of vg_render_show, NULL for another. */
const char *vg_render_show_type(const char *format);
/* The incident page: summary, alerts, the attack path (SVG; zoom, pan, a click shows a
 * node's events), timeline, evidence events. -1 with err set when the drawing fails. */
int vg_render_show_html(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc,
			const struct vg_graph *g, const struct vg_html_opts *o, char *err, size_t errlen);

#endif

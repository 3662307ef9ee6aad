/* render_dot.c — the attack path as Graphviz DOT (render.h).
 *
 * Left to right, as an analyst reads it: where it came in (the context processes the
 * incident's tree hangs from, dashed, and the endpoints that connected in, written first
 * so that they lead), then the processes as a tree, the files they dropped or read (a
 * dropped file that ran sits between its writer and the process it became), the
 * endpoints they talked to. No cluster frames "came in through": graphviz 2.42's dot
 * leaks about 1.3 KB per layout of a graph with a cluster, which a UI serving pages for
 * weeks cannot afford; the dashed style and the legend say it instead.
 *
 * Labels are plain DOT strings, never HTML-like ones: every byte of them went through
 * vg_text_str and then DOT's escaping (\ " and &, since graphviz decodes entities in any
 * label), so whatever a label holds stays its text in every output format. */
#include <stdlib.h>
#include <string.h>
#include "incident/render.h"
#include "output/text.h"
#include "rules/rules.h"

#define LABEL_WIDTH 44 /* characters on one line of a label */
#define LABEL_LINES 3  /* lines a command line or a path takes at most */
#define RULES_SHOWN 2  /* rule names on an alerting process */

#define FONT "Courier,monospace" /* graphviz's metrics for Courier match any monospace face */

/* Bytes that are already text (vg_text_str's) inside a DOT string. */
static void dot_escaped(struct vg_buf *b, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\\' || p[i] == '"')
			vg_buf_putc(b, '\\');
		if (p[i] == '&')
			vg_buf_puts(b, "&amp;");
		else
			vg_buf_putc(b, p[i]);
	}
}

/* s as one DOT string's text. */
static void dot_text(struct vg_buf *b, const char *s)
{
	struct vg_buf t = { 0 };

	vg_text_str(&t, s ? s : "", s ? strlen(s) : 0, false);
	dot_escaped(b, t.p ? t.p : "", t.len);
	vg_buf_free(&t);
}

static void dot_printf_text(struct vg_buf *b, const char *fmt, const char *s)
{
	struct vg_buf t = { 0 };

	vg_buf_printf(&t, fmt, s);
	dot_text(b, t.p);
	vg_buf_free(&t);
}

static bool utf8_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* s wrapped to LABEL_WIDTH characters, at a space when one is in the second half of the
 * line, at most LABEL_LINES lines (the last ends with an ellipsis when s goes on); lines
 * are joined with DOT's \n. */
static void dot_wrapped(struct vg_buf *b, const char *s)
{
	struct vg_buf t = { 0 };
	size_t at = 0;

	vg_text_str(&t, s ? s : "", s ? strlen(s) : 0, false);
	for (int line = 0; at < t.len && line < LABEL_LINES; line++) {
		size_t end = at, space = 0;
		int chars = 0;

		while (end < t.len && chars < LABEL_WIDTH) {
			if (t.p[end] == ' ' && chars >= LABEL_WIDTH / 2)
				space = end;
			end++;
			while (end < t.len && utf8_cont(t.p[end]))
				end++;
			chars++;
		}
		if (end < t.len && space)
			end = space + 1;
		if (line)
			vg_buf_puts(b, "\\n");
		dot_escaped(b, t.p + at, end - at);
		at = end;
	}
	if (at < t.len)
		vg_buf_puts(b, "\xe2\x80\xa6"); /* … */
	vg_buf_free(&t);
}

/* ---- which nodes are drawn ---------------------------------------------------------- */

struct by_time {
	uint64_t first;
	int node;
};

static int by_first(const void *x, const void *y)
{
	const struct by_time *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first ? 1 : a->node - b->node;
}

static void keep_node(bool *keep, int *kept, int i)
{
	if (i >= 0 && !keep[i] && *kept < VG_DRAW_MAX_NODES) {
		keep[i] = true;
		(*kept)++;
	}
}

/* keep[i]: node i is drawn. Returns how many are not. */
static int choose_nodes(const struct vg_graph *g, bool *keep)
{
	struct by_time *order;
	int kept = 0;

	if (g->nnodes <= VG_DRAW_MAX_NODES) {
		for (int i = 0; i < g->nnodes; i++)
			keep[i] = true;
		return 0;
	}
	/* what alerted and where it came in, with the processes above them */
	for (int i = 0; i < g->nnodes; i++)
		if (g->nodes[i].alerting || i == g->entry)
			for (int p = i, depth = 0; p >= 0 && depth < g->nnodes; p = g->nodes[p].parent, depth++)
				keep_node(keep, &kept, p);
	/* what those touched */
	for (int e = 0; e < g->nedges; e++) {
		const struct vg_graph_edge *x = &g->edges[e];

		if (g->nodes[x->from].alerting)
			keep_node(keep, &kept, x->to);
		if (g->nodes[x->to].alerting)
			keep_node(keep, &kept, x->from);
	}
	/* then the oldest */
	order = malloc(((size_t)g->nnodes + 1) * sizeof(*order));
	if (!order)
		abort();
	for (int i = 0; i < g->nnodes; i++)
		order[i] = (struct by_time){ g->nodes[i].first, i };
	qsort(order, (size_t)g->nnodes, sizeof(*order), by_first);
	for (int i = 0; i < g->nnodes && kept < VG_DRAW_MAX_NODES; i++)
		keep_node(keep, &kept, order[i].node);
	free(order);
	return g->nnodes - kept;
}

/* ---- nodes -------------------------------------------------------------------------- */

static const char *rule_of(const struct vg_incident *inc, int64_t alert)
{
	for (int i = 0; inc && i < inc->nalerts; i++)
		if (inc->alerts[i].id == alert)
			return inc->alerts[i].rule;
	return NULL;
}

static void process_label(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g, int i)
{
	const struct vg_graph_node *n = &g->nodes[i];
	int shown = 0;

	for (int k = 0; k < n->nalerts && shown < RULES_SHOWN; k++) {
		const char *rule = rule_of(inc, n->alerts[k]);

		if (rule) {
			dot_printf_text(b, "! %.60s", rule);
			vg_buf_puts(b, "\\n");
			shown++;
		}
	}
	if (n->nalerts > shown && shown)
		vg_buf_printf(b, "! and %d more\\n", n->nalerts - shown);
	if (i == g->entry)
		vg_buf_puts(b, n->context ? "came in through\\n" : "entry\\n");
	dot_wrapped(b, n->label);
	vg_buf_printf(b, "\\npid %d  ", n->pid);
	if (n->user && n->user[0])
		dot_text(b, n->user);
	else
		vg_buf_printf(b, "uid %lld", (long long)n->uid);
	if (n->container && n->container[0])
		dot_printf_text(b, "  container %.12s", n->container);
	if (inc && inc->nhosts > 1 && n->host) { /* a path across hosts says where each step ran */
		vg_buf_puts(b, "\\n");
		dot_printf_text(b, "on %.60s", n->host);
	}
	if (n->count > 1)
		vg_buf_printf(b, "\\n\xc3\x97%d alike", n->count); /* ×N */
}

static void file_label(struct vg_buf *b, const struct vg_graph_node *n)
{
	dot_wrapped(b, n->label);
	if (n->count == 1 && n->npaths > 1)
		vg_buf_printf(b, "\\n(%d names)", n->npaths);
}

static void endpoint_label(struct vg_buf *b, const struct vg_graph_node *n)
{
	dot_wrapped(b, n->label);
	if (n->qname && n->qname[0]) {
		vg_buf_puts(b, "\\n");
		dot_wrapped(b, n->qname);
	}
}

static void node_dot(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g, int i)
{
	const struct vg_graph_node *n = &g->nodes[i];
	const char *shape, *fill, *line, *style;

	switch (n->kind) {
	case VG_NODE_PROCESS:
		shape = "box";
		style = n->context ? "rounded,filled,dashed" : "rounded,filled";
		fill = n->alerting ? "#fdecea" : n->context ? "#f4f4f4" : "#eaf1fb";
		line = n->alerting ? "#c62828" : n->context ? "#9e9e9e" : "#3f6ea6";
		break;
	case VG_NODE_FILE:
		shape = "note", style = "filled", fill = "#fff6dc", line = "#a07800";
		break;
	default:
		shape = "ellipse", style = "filled", fill = "#e6f4ea", line = "#2e7d32";
		break;
	}
	vg_buf_printf(b, "  \"%s\" [id=\"%s\" class=\"%s%s%s%s%s\" shape=%s style=\"%s\" fillcolor=\"%s\" color=\"%s\"%s",
		      n->id, n->id, vg_node_kind_name(n->kind), n->alerting ? " alerting" : "",
		      n->context ? " context" : "", i == g->entry ? " entry" : "", n->count > 1 ? " collapsed" : "", shape,
		      style, fill, line, n->alerting ? " penwidth=2.2" : i == g->entry ? " penwidth=1.8" : "");
	vg_buf_puts(b, " label=\"");
	if (n->kind == VG_NODE_PROCESS)
		process_label(b, inc, g, i);
	else if (n->kind == VG_NODE_FILE)
		file_label(b, n);
	else
		endpoint_label(b, n);
	vg_buf_puts(b, "\"];\n");
}

/* ---- edges -------------------------------------------------------------------------- */

static const char *edge_color(const struct vg_graph_edge *e)
{
	if (e->evidence)
		return "#c62828";
	switch (e->kind) {
	case VG_EDGE_FORK:
	case VG_EDGE_EXEC: return "#5f7380";
	case VG_EDGE_EXECUTE: return "#6a1b9a";
	case VG_EDGE_READ: return "#1565c0";
	case VG_EDGE_CONNECT:
	case VG_EDGE_ACCEPT:
	case VG_EDGE_BIND:
	case VG_EDGE_DNS: return "#2e7d32";
	default: return "#d35400"; /* what changed a file */
	}
}

static void edge_dot(struct vg_buf *b, const struct vg_graph *g, const struct vg_graph_edge *e, bool back)
{
	const char *kind = vg_edge_kind_name(e->kind), *from = g->nodes[e->from].id, *to = g->nodes[e->to].id;
	char when[40];

	vg_render_stamp(when, sizeof(when), e->first, false);
	vg_buf_printf(b, "  \"%s\" -> \"%s\" [id=\"%s_%s_%s\" class=\"%s%s\" color=\"%s\" fontcolor=\"%s\"%s%s label=\"%s",
		      from, to, from, kind, to, kind, e->evidence ? " evidence" : "", edge_color(e), edge_color(e),
		      e->evidence ? " penwidth=2.2" : "", e->kind == VG_EDGE_READ ? " style=dashed" : "", kind);
	if (e->count > 1)
		vg_buf_printf(b, " \xc3\x97%llu", (unsigned long long)e->count);
	vg_buf_printf(b, "\\n%s\"%s];\n", when, back ? " constraint=false" : "");
}

/* ---- the graph ---------------------------------------------------------------------- */

/* Came in from outside: a context process, or an endpoint that connected in. */
static bool came_in(const struct vg_graph *g, int i)
{
	if (g->nodes[i].kind == VG_NODE_PROCESS)
		return g->nodes[i].context;
	if (g->nodes[i].kind != VG_NODE_ENDPOINT)
		return false;
	for (int e = 0; e < g->nedges; e++)
		if (g->edges[e].from == i && g->edges[e].kind == VG_EDGE_ACCEPT)
			return true;
	return false;
}

/* back[e]: edge e closes a cycle, found by a depth-first walk from the nodes in the order
 * they are written (where it came in first): a file written, run, and read again by
 * what ran. Such edges are drawn with constraint=false: dot would otherwise reverse them
 * to rank the graph, and graphviz 2.42 leaks memory for every edge it reverses. */
static bool *back_edges(const struct vg_graph *g, const bool *keep, const int *order, int norder)
{
	int n = g->nnodes, *first = calloc((size_t)n + 2, sizeof(int)), *adj = malloc(((size_t)g->nedges + 1) * sizeof(int));
	int *fill = calloc((size_t)n + 1, sizeof(int)), *stack = malloc(((size_t)n + 1) * sizeof(int));
	int *next = calloc((size_t)n + 1, sizeof(int));
	char *state = calloc((size_t)n + 1, 1); /* 0: not seen, 1: on the walk's path, 2: done */
	bool *back = calloc((size_t)g->nedges + 1, sizeof(bool));

	if (!first || !adj || !fill || !stack || !next || !state || !back)
		abort();
	for (int e = 0; e < g->nedges; e++) /* edges by their source, kept ones only */
		if (keep[g->edges[e].from] && keep[g->edges[e].to])
			first[g->edges[e].from + 1]++;
	for (int i = 0; i < n; i++)
		first[i + 1] += first[i];
	for (int e = 0; e < g->nedges; e++)
		if (keep[g->edges[e].from] && keep[g->edges[e].to])
			adj[first[g->edges[e].from] + fill[g->edges[e].from]++] = e;
	for (int r = 0; r < norder; r++) {
		int top = 0;

		if (state[order[r]])
			continue;
		state[order[r]] = 1;
		stack[top++] = order[r];
		while (top) {
			int v = stack[top - 1];

			if (first[v] + next[v] < first[v + 1]) {
				int e = adj[first[v] + next[v]++], w = g->edges[e].to;

				if (state[w] == 1)
					back[e] = true;
				else if (state[w] == 0) {
					state[w] = 1;
					stack[top++] = w;
				}
			} else {
				state[v] = 2;
				top--;
			}
		}
	}
	free(first);
	free(adj);
	free(fill);
	free(stack);
	free(next);
	free(state);
	return back;
}

void vg_render_graph_dot(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g)
{
	bool *keep = calloc((size_t)g->nnodes + 1, sizeof(*keep)), *back;
	int *order = malloc(((size_t)g->nnodes + 1) * sizeof(int));
	int left_out, norder = 0;

	if (!keep || !order)
		abort();
	left_out = choose_nodes(g, keep);
	/* where it came in first: so it leads, and the walk for cycles starts there */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < g->nnodes; i++)
			if (keep[i] && came_in(g, i) == (pass == 0))
				order[norder++] = i;
	back = back_edges(g, keep, order, norder);
	vg_buf_puts(b, "digraph attack_path {\n");
	vg_buf_puts(b, "  graph [rankdir=LR nodesep=0.2 ranksep=0.5 pad=0.2 bgcolor=\"white\""
		       " fontname=\"" FONT "\" fontsize=12 labelloc=t labeljust=l label=\"");
	if (inc)
		vg_buf_printf(b, "incident #%lld  score %.2f  %s: the attack path", (long long)inc->id, inc->score,
			      vg_priority_name(inc->priority));
	vg_buf_puts(b, "\"];\n  node [fontname=\"" FONT "\" fontsize=10 margin=\"0.1,0.05\"];\n"
		       "  edge [fontname=\"" FONT "\" fontsize=8 arrowsize=0.6];\n");
	for (int i = 0; i < norder; i++)
		node_dot(b, inc, g, order[i]);
	for (int e = 0; e < g->nedges; e++)
		if (keep[g->edges[e].from] && keep[g->edges[e].to])
			edge_dot(b, g, &g->edges[e], back[e]);
	if (left_out)
		vg_buf_printf(b, "  \"left_out\" [id=\"left_out\" shape=plaintext fontsize=12 label=\"%d more nodes not drawn"
				 "\\n(vigil show --format json has them all)\"];\n",
			      left_out);
	vg_buf_puts(b, "}\n");
	free(back);
	free(order);
	free(keep);
}

/* render_text.c — incidents for people at a terminal (render.h). Strings from the
 * store (argv, paths) are escaped: control characters never reach the terminal. */
#include <stdlib.h>
#include <string.h>
#include "incident/render.h"
#include "incident/tactics.h"
#include "output/text.h"
#include "rules/rules.h"

#define RED "\033[31m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define OFF "\033[0m"

/* s with control characters escaped (trailing white space left out). */
static void put(FILE *out, const char *s)
{
	struct vg_buf b = { 0 };
	size_t len = s ? strlen(s) : 0;

	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	vg_text_str(&b, s ? s : "", len, false);
	fwrite(b.p ? b.p : "", 1, b.len, out);
	vg_buf_free(&b);
}

static void tactic_line(FILE *out, uint32_t mask)
{
	bool first = true;

	for (unsigned t = 0; t < VG_TACTIC__COUNT; t++)
		if (mask & (1u << t)) {
			fprintf(out, "%s%s", first ? "" : " > ", vg_tactic_name(t));
			first = false;
		}
	if (first)
		fputs("(none named)", out);
}

static void alert_line(FILE *out, const struct vg_incident_alert *a, bool color, const char *indent)
{
	char first[40], last[40];

	vg_render_stamp(first, sizeof(first), a->first, false);
	vg_render_stamp(last, sizeof(last), a->last, false);
	fprintf(out, "%s%s[%s]%s ", indent, color && a->priority <= VG_PRIO_ERROR ? RED : "", vg_priority_name(a->priority),
		color ? OFF : "");
	put(out, a->rule);
	fprintf(out, "  x%llu  %s", (unsigned long long)a->count, first);
	if (a->count > 1)
		fprintf(out, " .. %s", last);
	if (a->killed)
		fprintf(out, "  killed %llu", (unsigned long long)a->killed);
	if (a->denied)
		fprintf(out, "  denied %llu", (unsigned long long)a->denied);
	fputc('\n', out);
}

static void header(FILE *out, const struct vg_incident *inc, bool color)
{
	char first[40], last[40];

	vg_render_stamp(first, sizeof(first), inc->first, true);
	vg_render_stamp(last, sizeof(last), inc->last, true);
	fprintf(out, "%s#%lld%s  score %.2f  %s  %s  %s .. %s  host", color ? BOLD : "", (long long)inc->id,
		color ? OFF : "", inc->score, vg_priority_name(inc->priority), inc->open ? "open" : "closed", first, last);
	for (int i = 0; i < inc->nhosts; i++) {
		fputc(' ', out);
		put(out, inc->hosts[i]);
	}
	fputs("\n    tactics: ", out);
	tactic_line(out, inc->tactics);
	fputc('\n', out);
}

void vg_render_incidents_text(FILE *out, const struct vg_incident *incs, int n, bool color)
{
	if (!n)
		fputs("no incidents\n", out);
	for (int i = 0; i < n; i++) {
		header(out, &incs[i], color);
		for (int j = 0; j < incs[i].nalerts; j++)
			alert_line(out, &incs[i].alerts[j], color, "    ");
	}
}

/* ---- show --------------------------------------------------------------------------- */

static void node_text(FILE *out, const struct vg_graph_node *n, bool color)
{
	if (n->kind == VG_NODE_PROCESS) {
		put(out, n->label);
		fprintf(out, "  %s(pid %d, ", color ? DIM : "", n->pid);
		if (n->user[0])
			put(out, n->user);
		else
			fprintf(out, "uid %lld", (long long)n->uid);
		if (n->container[0]) {
			fputs(", container ", out);
			put(out, n->container);
		}
		fprintf(out, ")%s", color ? OFF : "");
		if (n->count > 1)
			fprintf(out, " x%d", n->count);
		if (n->context)
			fputs(" [context]", out);
		if (n->alerting)
			fprintf(out, " %s! alert%s", color ? RED : "", color ? OFF : "");
	} else {
		put(out, n->label);
		if (n->count > 1 && n->kind == VG_NODE_FILE)
			fprintf(out, " x%d", n->count);
	}
}

/* Files and endpoints a process node reached, and the processes on other hosts it reached
 * or was reached from (lateral), one line each. */
static void node_edges(FILE *out, const struct vg_graph *g, int node, const char *indent)
{
	for (int i = 0; i < g->nedges; i++) {
		const struct vg_graph_edge *e = &g->edges[i];
		int other;

		if (e->kind == VG_EDGE_FORK || e->kind == VG_EDGE_EXEC)
			continue;
		other = e->from == node ? e->to : e->to == node ? e->from : -1;
		if (other < 0 || (g->nodes[other].kind == VG_NODE_PROCESS && e->kind != VG_EDGE_LATERAL))
			continue;
		fprintf(out, "%s  %s%s ", indent, e->to == node ? "<- " : "", vg_edge_kind_name(e->kind));
		if (e->kind == VG_EDGE_LATERAL && g->nodes[other].host) {
			put(out, g->nodes[other].host);
			fputs(": ", out);
		}
		put(out, g->nodes[other].label);
		if (e->count > 1)
			fprintf(out, " x%llu", (unsigned long long)e->count);
		fputc('\n', out);
	}
}

static void tree(FILE *out, const struct vg_graph *g, int node, int depth, bool color, int *budget)
{
	char indent[128];

	if (--*budget < 0)
		return;
	snprintf(indent, sizeof(indent), "%*s", 2 + 3 * (depth < 30 ? depth : 30), "");
	fprintf(out, "%s%s", indent, depth ? "`- " : "");
	node_text(out, &g->nodes[node], color);
	fputc('\n', out);
	node_edges(out, g, node, indent);
	for (int i = 0; i < g->nedges; i++) {
		const struct vg_graph_edge *e = &g->edges[i];

		if (e->from == node && (e->kind == VG_EDGE_FORK || e->kind == VG_EDGE_EXEC))
			tree(out, g, e->to, depth + 1, color, budget);
	}
}

static bool has_parent(const struct vg_graph *g, int node)
{
	for (int i = 0; i < g->nedges; i++)
		if (g->edges[i].to == node && (g->edges[i].kind == VG_EDGE_FORK || g->edges[i].kind == VG_EDGE_EXEC))
			return true;
	return false;
}

static void leaves(FILE *out, const struct vg_graph *g, enum vg_node_kind kind)
{
	for (int i = 0; i < g->nnodes; i++) {
		const struct vg_graph_node *n = &g->nodes[i];

		if (n->kind != kind)
			continue;
		fputs("  ", out);
		put(out, n->label);
		for (int j = 0; kind == VG_NODE_FILE && j < n->npaths && n->npaths > 1; j++) {
			fputs(j ? ", " : "  (names: ", out);
			put(out, n->paths[j]);
			if (j == n->npaths - 1)
				fputc(')', out);
		}
		fputc('\n', out);
		for (int e = 0; e < g->nedges; e++) {
			const struct vg_graph_edge *x = &g->edges[e];
			int other = x->to == i ? x->from : x->from == i ? x->to : -1;

			if (other < 0)
				continue;
			fprintf(out, "      %s by ", vg_edge_kind_name(x->kind));
			put(out, g->nodes[other].label);
			if (x->count > 1)
				fprintf(out, " x%llu", (unsigned long long)x->count);
			fputc('\n', out);
		}
	}
}

void vg_render_show_text(FILE *out, const struct vg_incident *inc, const struct vg_graph *g, bool color)
{
	struct vg_timeline_entry *t;
	int n, budget = 400, procs = 0;

	header(out, inc, color);
	for (int i = 0; i < inc->nscopes; i++) {
		if (strcmp(inc->scopes[i].kind, "proc") == 0) {
			procs++;
			continue;
		}
		fprintf(out, "    %s ", inc->scopes[i].kind);
		put(out, inc->scopes[i].key);
		fputc('\n', out);
	}
	if (procs)
		fprintf(out, "    and the descendants of its %d alerting processes\n", procs);
	fputs("\nalerts\n", out);
	for (int i = 0; i < inc->nalerts; i++) {
		alert_line(out, &inc->alerts[i], color, "  ");
		fputs("      ", out);
		put(out, inc->alerts[i].output);
		fputc('\n', out);
	}
	fputs("\nprocesses", out);
	if (g->entry >= 0) {
		fputs(" (came in through: ", out);
		put(out, g->nodes[g->entry].label);
		fputc(')', out);
	}
	fputc('\n', out);
	for (int i = 0; i < g->nnodes; i++)
		if (g->nodes[i].kind == VG_NODE_PROCESS && !has_parent(g, i))
			tree(out, g, i, 0, color, &budget);
	if (budget < 0)
		fputs("  ... (more: vigil show --format json)\n", out);
	fputs("\nfiles\n", out);
	leaves(out, g, VG_NODE_FILE);
	fputs("\nconnections\n", out);
	leaves(out, g, VG_NODE_ENDPOINT);
	fputs("\ntimeline\n", out);
	vg_timeline_build(inc, g, &t, &n);
	for (int i = 0; i < n && i < 200; i++) {
		char when[40];

		vg_render_stamp(when, sizeof(when), t[i].ts, false);
		fprintf(out, "  %s  ", when);
		if (t[i].alert >= 0) {
			const struct vg_incident_alert *a = &inc->alerts[t[i].alert];

			fprintf(out, "%sALERT%s [%s] ", color ? RED : "", color ? OFF : "", vg_priority_name(a->priority));
			put(out, a->rule);
		} else {
			const struct vg_graph_edge *e = &g->edges[t[i].edge];

			fprintf(out, "%-8s ", vg_edge_kind_name(e->kind));
			put(out, g->nodes[e->from].label);
			fputs(" -> ", out);
			put(out, g->nodes[e->to].label);
			if (e->count > 1)
				fprintf(out, " x%llu", (unsigned long long)e->count);
		}
		fputc('\n', out);
	}
	if (n > 200)
		fprintf(out, "  ... %d more steps (vigil show --format json)\n", n - 200);
	if (g->omitted_events)
		fprintf(out, "\n%llu events of these processes are not drawn (reads and executions of files the "
			     "incident did not write): vigil query tree EXEC_ID lists them\n",
			(unsigned long long)g->omitted_events);
	free(t);
}

/* render_json.c — incidents, their graph and timeline as JSON (render.h). */
#include <stdlib.h>
#include <string.h>
#include "incident/render.h"
#include "incident/tactics.h"
#include "output/json.h"
#include "rules/rules.h"
#include "store/query.h"

static void key(struct vg_buf *b, const char *k, bool first)
{
	vg_buf_printf(b, "%s\"%s\":", first ? "" : ",", k);
}

static void str_member(struct vg_buf *b, const char *k, const char *v)
{
	key(b, k, false);
	vg_json_cstr(b, v);
}

static void time_member(struct vg_buf *b, const char *k, uint64_t ns)
{
	key(b, k, false);
	vg_json_time(b, ns);
}

static void strings(struct vg_buf *b, const char *k, char *const *v, int n)
{
	key(b, k, false);
	vg_buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			vg_buf_putc(b, ',');
		vg_json_cstr(b, v[i]);
	}
	vg_buf_putc(b, ']');
}

static void ids(struct vg_buf *b, const char *k, const int64_t *v, int n)
{
	key(b, k, false);
	vg_buf_putc(b, '[');
	for (int i = 0; i < n; i++)
		vg_buf_printf(b, "%s%lld", i ? "," : "", (long long)v[i]);
	vg_buf_putc(b, ']');
}

static void tactics(struct vg_buf *b, uint32_t mask)
{
	bool first = true;

	key(b, "tactics", false);
	vg_buf_putc(b, '[');
	for (unsigned t = 0; t < VG_TACTIC__COUNT; t++)
		if (mask & (1u << t)) {
			vg_buf_printf(b, "%s\"%s\"", first ? "" : ",", vg_tactic_name(t));
			first = false;
		}
	vg_buf_putc(b, ']');
}

/* The incident's members, without the braces around them. */
static void incident_members(struct vg_buf *b, const struct vg_incident *inc)
{
	vg_buf_printf(b, "\"id\":%lld,\"score\":%.2f", (long long)inc->id, inc->score);
	str_member(b, "priority", vg_priority_name(inc->priority));
	tactics(b, inc->tactics);
	strings(b, "hosts", inc->hosts, inc->nhosts);
	time_member(b, "first", inc->first);
	time_member(b, "last", inc->last);
	vg_buf_printf(b, ",\"count\":%llu,\"open\":%s,\"scopes\":[", (unsigned long long)inc->count,
		      inc->open ? "true" : "false");
	for (int i = 0; i < inc->nscopes; i++) {
		vg_buf_printf(b, "%s{\"kind\":", i ? "," : "");
		vg_json_cstr(b, inc->scopes[i].kind);
		str_member(b, "key", inc->scopes[i].key);
		vg_buf_putc(b, '}');
	}
	vg_buf_puts(b, "],\"alerts\":[");
	for (int i = 0; i < inc->nalerts; i++) {
		const struct vg_incident_alert *a = &inc->alerts[i];

		vg_buf_printf(b, "%s{\"id\":%lld", i ? "," : "", (long long)a->id);
		str_member(b, "rule", a->rule);
		str_member(b, "priority", vg_priority_name(a->priority));
		vg_buf_printf(b, ",\"count\":%llu", (unsigned long long)a->count);
		time_member(b, "first", a->first);
		time_member(b, "last", a->last);
		strings(b, "tags", a->tags, a->ntags);
		str_member(b, "desc", a->desc);
		str_member(b, "output", a->output);
		str_member(b, "last_output", a->last_output);
		str_member(b, "action", a->action);
		vg_buf_printf(b, ",\"killed\":%llu,\"denied\":%llu", (unsigned long long)a->killed,
			      (unsigned long long)a->denied);
		ids(b, "evidence", a->evidence, a->nevidence);
		ids(b, "processes", a->procs, a->nprocs);
		vg_buf_putc(b, '}');
	}
	vg_buf_putc(b, ']');
}

void vg_render_incident_json(struct vg_buf *b, const struct vg_incident *inc)
{
	vg_buf_putc(b, '{');
	incident_members(b, inc);
	vg_buf_putc(b, '}');
}

static void node_json(struct vg_buf *b, const struct vg_graph_node *n)
{
	vg_buf_puts(b, "{\"id\":");
	vg_json_cstr(b, n->id);
	str_member(b, "kind", vg_node_kind_name(n->kind));
	str_member(b, "label", n->label);
	vg_buf_printf(b, ",\"count\":%d,\"alerting\":%s", n->count, n->alerting ? "true" : "false");
	ids(b, "alerts", n->alerts, n->nalerts);
	time_member(b, "first", n->first);
	time_member(b, "last", n->last);
	switch (n->kind) {
	case VG_NODE_PROCESS:
		vg_buf_printf(b, ",\"row\":%lld,\"context\":%s,\"pid\":%d,\"ppid\":%d,\"uid\":%lld", (long long)n->row,
			      n->context ? "true" : "false", n->pid, n->ppid, (long long)n->uid);
		str_member(b, "exec_id", n->exec_id);
		str_member(b, "image", n->kind_of);
		str_member(b, "exe", n->exe);
		str_member(b, "comm", n->comm);
		key(b, "argv", false);
		vg_buf_puts(b, n->argv_json && n->argv_json[0] ? n->argv_json : "[]");
		str_member(b, "user", n->user);
		str_member(b, "cwd", n->cwd);
		str_member(b, "tty", n->tty);
		str_member(b, "container", n->container);
		str_member(b, "ssh", n->ssh);
		str_member(b, "host", n->host);
		vg_buf_printf(b, ",\"exited\":%s", n->exited ? "true" : "false");
		if (n->exited)
			vg_buf_printf(b, ",\"exit_code\":%d", n->exit_code);
		strings(b, "samples", n->samples, n->nsamples);
		break;
	case VG_NODE_FILE:
		vg_buf_printf(b, ",\"row\":%lld", (long long)n->row);
		str_member(b, "path", n->path);
		strings(b, "paths", n->paths, n->npaths);
		if (n->ino)
			vg_buf_printf(b, ",\"dev\":%lld,\"ino\":%lld", (long long)n->dev, (long long)n->ino);
		break;
	case VG_NODE_ENDPOINT:
		vg_buf_printf(b, ",\"row\":%lld", (long long)n->row);
		str_member(b, "proto", n->proto);
		str_member(b, "addr", n->addr);
		vg_buf_printf(b, ",\"port\":%d", n->port);
		if (n->qname)
			str_member(b, "qname", n->qname);
		key(b, "ports", false);
		vg_buf_putc(b, '[');
		for (int i = 0; i < n->nports; i++)
			vg_buf_printf(b, "%s%d", i ? "," : "", n->ports[i]);
		vg_buf_putc(b, ']');
		break;
	}
	vg_buf_putc(b, '}');
}

static void edge_json(struct vg_buf *b, const struct vg_graph *g, const struct vg_graph_edge *e)
{
	vg_buf_puts(b, "{\"from\":");
	vg_json_cstr(b, g->nodes[e->from].id);
	str_member(b, "to", g->nodes[e->to].id);
	str_member(b, "kind", vg_edge_kind_name(e->kind));
	time_member(b, "first", e->first);
	time_member(b, "last", e->last);
	vg_buf_printf(b, ",\"count\":%llu,\"evidence\":%s", (unsigned long long)e->count, e->evidence ? "true" : "false");
	if (e->event)
		vg_buf_printf(b, ",\"event\":%lld", (long long)e->event);
	vg_buf_putc(b, '}');
}

void vg_render_graph_json(struct vg_buf *b, const struct vg_graph *g)
{
	bool first = true;

	vg_buf_puts(b, "{\"entry\":");
	vg_json_cstr(b, g->entry >= 0 ? g->nodes[g->entry].id : NULL);
	time_member(b, "from", g->from);
	time_member(b, "to", g->to);
	vg_buf_printf(b, ",\"omitted_events\":%llu,\"truncated\":%s,\"nodes\":[", (unsigned long long)g->omitted_events,
		      g->truncated ? "true" : "false");
	for (int i = 0; i < g->nnodes; i++) {
		if (!first)
			vg_buf_putc(b, ',');
		node_json(b, &g->nodes[i]);
		first = false;
	}
	vg_buf_puts(b, "],\"edges\":[");
	for (int i = 0; i < g->nedges; i++) {
		if (i)
			vg_buf_putc(b, ',');
		edge_json(b, g, &g->edges[i]);
	}
	vg_buf_puts(b, "]}");
}

static void timeline_json(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g)
{
	struct vg_timeline_entry *t;
	int n;

	vg_timeline_build(inc, g, &t, &n);
	vg_buf_puts(b, ",\"timeline\":[");
	for (int i = 0; i < n; i++) {
		vg_buf_puts(b, i ? ",{\"ts\":" : "{\"ts\":");
		vg_json_time(b, t[i].ts);
		if (t[i].alert >= 0) {
			const struct vg_incident_alert *a = &inc->alerts[t[i].alert];

			vg_buf_printf(b, ",\"kind\":\"alert\",\"alert\":%lld", (long long)a->id);
			str_member(b, "rule", a->rule);
			str_member(b, "priority", vg_priority_name(a->priority));
			vg_buf_printf(b, ",\"count\":%llu", (unsigned long long)a->count);
		} else {
			const struct vg_graph_edge *e = &g->edges[t[i].edge];

			str_member(b, "kind", vg_edge_kind_name(e->kind));
			str_member(b, "from", g->nodes[e->from].id);
			str_member(b, "to", g->nodes[e->to].id);
			vg_buf_printf(b, ",\"count\":%llu", (unsigned long long)e->count);
			if (e->event)
				vg_buf_printf(b, ",\"event\":%lld", (long long)e->event);
		}
		vg_buf_putc(b, '}');
	}
	vg_buf_putc(b, ']');
	free(t);
}

void vg_render_show_json(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc,
			 const struct vg_graph *g)
{
	int64_t *done = NULL;
	int ndone = 0;

	vg_buf_putc(b, '{');
	incident_members(b, inc);
	timeline_json(b, inc, g);
	vg_buf_puts(b, ",\"graph\":");
	vg_render_graph_json(b, g);
	vg_buf_puts(b, ",\"evidence\":[");
	for (int i = 0; i < inc->nalerts; i++)
		for (int j = 0; j < inc->alerts[i].nevidence; j++) {
			int64_t id = inc->alerts[i].evidence[j];
			size_t mark = b->len;
			bool seen = false;

			for (int k = 0; k < ndone; k++)
				seen |= done[k] == id;
			if (seen)
				continue;
			if (ndone)
				vg_buf_putc(b, ',');
			if (vg_store_event_json(st, id, b) < 0) {
				b->len = mark;
				b->p[mark] = 0;
				continue;
			}
			done = realloc(done, (size_t)(ndone + 1) * sizeof(*done));
			done[ndone++] = id;
		}
	free(done);
	vg_buf_puts(b, "]}");
}

/* test_render.c — the attack path drawn: DOT escaping (every label stays text, whatever
 * bytes it holds), marks and counts, wrapping; the SVG graphviz lays out keeps every node
 * and edge by id and no markup from a label; the HTML page escapes everything, carries its
 * data safely and needs nothing from outside; a synthetic incident of about 200 nodes
 * (collapsed from ~1,700 raw ones) lays out whole, and a graph beyond the drawing budget
 * keeps its alerting nodes and says what it left out. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "incident/graph.h"
#include "incident/render.h"
#include "output/html.h"
#include "rules/rules.h"
#include "ui/assets.h"
#include "store_util.h"

/* a quote, a backslash, markup, an entity, a CDATA end, a newline, a comment start */
#define EVIL "\"q\\</script><script>&amp;]]>\n<!--"

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int add_node(struct vg_graph *g, enum vg_node_kind kind, int row, const char *label)
{
	struct vg_graph_node *n;

	g->nodes = realloc(g->nodes, (size_t)(g->nnodes + 1) * sizeof(*g->nodes));
	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->row = row;
	n->count = 1;
	n->parent = n->merged_into = -1;
	snprintf(n->id, sizeof(n->id), "%c%d", kind == VG_NODE_PROCESS ? 'p' : kind == VG_NODE_FILE ? 'f' : 'n', row);
	n->label = strdup(label);
	n->user = strdup("root");
	n->container = strdup("");
	n->first = n->last = T0 + (uint64_t)row * SEC;
	return g->nnodes++;
}

static void add_edge(struct vg_graph *g, int from, int to, enum vg_edge_kind kind, uint64_t count)
{
	g->edges = realloc(g->edges, (size_t)(g->nedges + 1) * sizeof(*g->edges));
	g->edges[g->nedges++] = (struct vg_graph_edge){ .from = from, .to = to, .kind = kind, .first = T0,
							  .last = T0, .count = count, .event = 7 };
}

/* A context parent, an alerting child with a hostile command line, the file it writes
 * (with a hostile name), the endpoint it talks to. */
static void small_graph(struct vg_graph *g, struct vg_incident *inc)
{
	static int64_t alert_ids[] = { 9 };
	int sshd, sh, f, n;

	memset(g, 0, sizeof(*g));
	memset(inc, 0, sizeof(*inc));
	inc->id = 3;
	inc->priority = VG_PRIO_CRITICAL;
	inc->alerts = calloc(1, sizeof(*inc->alerts));
	inc->alerts[0] = (struct vg_incident_alert){ .id = 9, .rule = strdup("Reverse <shell>") };
	inc->nalerts = 1;
	sshd = add_node(g, VG_NODE_PROCESS, 1, "sshd: root@pts/0");
	g->nodes[sshd].context = true;
	sh = add_node(g, VG_NODE_PROCESS, 2, "sh -c " EVIL);
	g->nodes[sh].alerting = true;
	g->nodes[sh].alerts = malloc(sizeof(int64_t));
	memcpy(g->nodes[sh].alerts, alert_ids, sizeof(alert_ids));
	g->nodes[sh].nalerts = 1;
	g->nodes[sh].count = 12;
	f = add_node(g, VG_NODE_FILE, 3, "/tmp/" EVIL);
	n = add_node(g, VG_NODE_ENDPOINT, 4, "203.0.113.7:4444/tcp");
	add_edge(g, sshd, sh, VG_EDGE_EXEC, 1);
	add_edge(g, sh, f, VG_EDGE_CREATE, 3);
	add_edge(g, sh, n, VG_EDGE_CONNECT, 1);
	g->edges[2].evidence = true;
	g->entry = sshd;
}

static void free_small(struct vg_graph *g, struct vg_incident *inc)
{
	vg_graph_free(g);
	vg_incident_free(inc);
}

/* The DOT label of node id, as written (still escaped); a raw newline in it fails. */
static char *label_of(const char *dot, const char *id)
{
	char key[64], *out;
	const char *p, *end;

	snprintf(key, sizeof(key), "\"%s\" [id=", id);
	assert_non_null(p = strstr(dot, key));
	assert_non_null(p = strstr(p, " label=\""));
	p += 8;
	for (end = p; *end && *end != '"'; end++) {
		assert_true(*end != '\n');
		if (*end == '\\' && end[1])
			end++;
	}
	assert_int_equal(*end, '"');
	out = strndup(p, (size_t)(end - p));
	assert_non_null(out);
	return out;
}

static void test_dot_labels_are_escaped_text(void **state)
{
	struct vg_graph g;
	struct vg_incident inc;
	struct vg_buf b = { 0 };
	char *sh, *f;

	small_graph(&g, &inc);
	vg_render_graph_dot(&b, &inc, &g);
	vg_buf_putc(&b, 0);
	/* vigil's text escaping first (the backslash doubled, the newline as \n), then DOT's:
	 * quote and backslash escaped, & as an entity (graphviz decodes them in labels) */
	sh = label_of(b.p, "p2");
	f = label_of(b.p, "f3");
	assert_non_null(strstr(sh, "sh -c \\\"q\\\\\\\\</script><script>&amp;amp;]]>\\\\n<!--"));
	assert_string_equal(f, "/tmp/\\\"q\\\\\\\\</script><script>&amp;amp;]]>\\\\n<!--");
	free(sh);
	free(f);
	vg_buf_free(&b);
	free_small(&g, &inc);
}

static void test_dot_marks_alerts_context_counts_and_steps(void **state)
{
	struct vg_graph g;
	struct vg_incident inc;
	struct vg_buf b = { 0 };

	small_graph(&g, &inc);
	vg_render_graph_dot(&b, &inc, &g);
	assert_non_null(strstr(b.p, "\"p1\" [id=\"p1\" class=\"process context entry\" shape=box style=\"rounded,filled,dashed\""));
	assert_non_null(strstr(b.p, "label=\"came in through\\nsshd: root@pts/0"));
	assert_non_null(strstr(b.p, "class=\"process alerting collapsed\""));
	assert_non_null(strstr(b.p, "! Reverse <shell>\\n"));                /* the rule that fired */
	assert_non_null(strstr(b.p, "\\n\xc3\x97" "12 alike\""));            /* ×12 */
	assert_non_null(strstr(b.p, "\"p2\" -> \"f3\" [id=\"p2_create_f3\" class=\"create\""));
	assert_non_null(strstr(b.p, "label=\"create \xc3\x97" "3\\n"));        /* kind, count, then time */
	assert_non_null(strstr(b.p, "[id=\"p2_connect_n4\" class=\"connect evidence\""));
	assert_int_equal(count(b.p, " -> "), 3);
	vg_buf_free(&b);
	free_small(&g, &inc);
}

static void test_long_labels_wrap_on_character_boundaries(void **state)
{
	struct vg_graph g = { 0 };
	struct vg_buf b = { 0 };
	char label[400] = "", *l, *nl;

	for (int i = 0; i < 60; i++)
		strcat(label, "\xc3\xa9"); /* é: two bytes, one character */
	strcat(label, " and then a great many words that go on well past three lines of forty-four characters");
	add_node(&g, VG_NODE_FILE, 1, label);
	vg_render_graph_dot(&b, NULL, &g);
	vg_buf_putc(&b, 0);
	l = label_of(b.p, "f1");
	assert_int_equal(count(l, "\\n"), 2); /* three lines, the last cut short */
	assert_int_equal(strlen(l) - strlen(strstr(l, "\xe2\x80\xa6")), strlen(l) - 3);
	/* no space in the first 44 characters: the line ends after the 44th é, the next
	 * begins with the 45th */
	assert_non_null(nl = strstr(l, "\\n"));
	assert_int_equal(nl - l, 44 * 2);
	assert_int_equal(strncmp(nl + 2, "\xc3\xa9", 2), 0);
	free(l);
	vg_buf_free(&b);
	vg_graph_free(&g);
}

static void test_svg_keeps_ids_and_no_markup_from_labels(void **state)
{
	struct vg_graph g;
	struct vg_incident inc;
	struct vg_buf b = { 0 };
	char err[256] = "";

	small_graph(&g, &inc);
	assert_int_equal(vg_render_graph_svg(&b, &inc, &g, err, sizeof(err)), 0);
	vg_buf_putc(&b, 0);
	for (int i = 0; i < g.nnodes; i++) {
		char id[64];

		snprintf(id, sizeof(id), "<g id=\"%s\" class=\"node %s", g.nodes[i].id, vg_node_kind_name(g.nodes[i].kind));
		assert_non_null(strstr(b.p, id));
	}
	assert_non_null(strstr(b.p, "<g id=\"p2_create_f3\" class=\"edge create\">"));
	assert_non_null(strstr(b.p, "<g id=\"p2_connect_n4\" class=\"edge connect evidence\">"));
	/* the hostile text is text: < > & " as entities, graphviz decoded none of ours */
	assert_int_equal(count(b.p, "<script"), 0);
	assert_int_equal(count(b.p, "]]>"), 0);
	assert_non_null(strstr(b.p, "&quot;q\\\\&lt;/script&gt;&lt;script&gt;&amp;amp;]]&gt;\\n&lt;!&#45;&#45;"));
	vg_buf_free(&b);
	free_small(&g, &inc);
}

static void test_html_escaping_and_json_in_script(void **state)
{
	const char *json = "{\"a\":\"</script><!-- & \xe2\x80\xa8\"}", *pretty = "{\"a\":[1,{}],\"b\":\"<i>, {x}\"}";
	struct vg_buf b = { 0 };

	vg_html_cstr(&b, "<a href=\"x\" onclick='y'>&\n\x01\xff");
	vg_buf_putc(&b, 0);
	assert_string_equal(b.p, "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;\\n\\x01\\xff");
	vg_buf_reset(&b);
	vg_html_json(&b, json, strlen(json));
	vg_buf_putc(&b, 0);
	assert_string_equal(b.p, "{\"a\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\"}");
	vg_buf_reset(&b);
	vg_html_json_pretty(&b, pretty, strlen(pretty));
	vg_buf_putc(&b, 0);
	assert_string_equal(b.p, "{\n  &quot;a&quot;: [\n    1,\n    {}\n  ],\n  &quot;b&quot;: &quot;&lt;i&gt;, {x}&quot;\n}");
	vg_buf_free(&b);
}

static void test_assets_are_embedded_and_inline_safely(void **state)
{
	const struct vg_asset *css = vg_asset_find("vigil.css"), *js = vg_asset_find("vigil.js");

	assert_non_null(css);
	assert_non_null(js);
	assert_string_equal(vg_asset_type(js), "text/javascript; charset=utf-8");
	assert_null(vg_asset_find("../vigil.js"));
	/* inlined into <style> and <script> by the HTML page: nothing in them may end those */
	assert_null(memmem(css->data, css->len, "</style", 7));
	assert_null(memmem(js->data, js->len, "</script", 8));
	assert_null(memmem(js->data, js->len, "innerHTML", 9)); /* text only through textContent */
}

/* A file written, run, and read by what ran: the read closes a cycle and does not rank. */
static void test_a_cycle_is_drawn_without_ranking_its_closing_edge(void **state)
{
	struct vg_graph g = { 0 };
	struct vg_buf b = { 0 };
	char err[256];
	int sh = add_node(&g, VG_NODE_PROCESS, 1, "sh"), f = add_node(&g, VG_NODE_FILE, 2, "/tmp/job.sh");
	int job = add_node(&g, VG_NODE_PROCESS, 3, "sh /tmp/job.sh"), cat = add_node(&g, VG_NODE_PROCESS, 4, "cat");

	add_edge(&g, sh, f, VG_EDGE_CREATE, 1);
	add_edge(&g, f, job, VG_EDGE_EXECUTE, 1);
	add_edge(&g, job, cat, VG_EDGE_FORK, 1);
	add_edge(&g, cat, f, VG_EDGE_READ, 1);
	g.entry = sh;
	vg_render_graph_dot(&b, NULL, &g);
	vg_buf_putc(&b, 0);
	assert_int_equal(count(b.p, "constraint=false"), 1);
	assert_non_null(strstr(strstr(b.p, "[id=\"p4_read_f2\""), "constraint=false];"));
	vg_buf_reset(&b);
	assert_int_equal(vg_render_graph_svg(&b, NULL, &g, err, sizeof(err)), 0);
	vg_buf_free(&b);
	vg_graph_free(&g);
}

/* Random graphs of every kind of node and edge, cycles and all, lay out; under `make
 * asan` LeakSanitizer sees any memory graphviz would lose on them (it loses some for
 * every edge its dot layout has to reverse, which back edges' constraint=false avoids). */
static void test_random_graphs_lay_out(void **state)
{
	unsigned seed = 42;

	for (int it = 0; it < 100; it++) {
		struct vg_graph g = { 0 };
		struct vg_buf b = { 0 };
		char err[256];
		int n = 2 + (int)(rand_r(&seed) % 30), m;

		for (int i = 0; i < n; i++) {
			int x = add_node(&g, (enum vg_node_kind)(rand_r(&seed) % 3), i + 1, "a node with a label");

			g.nodes[x].alerting = rand_r(&seed) % 4 == 0;
			g.nodes[x].context = g.nodes[x].kind == VG_NODE_PROCESS && rand_r(&seed) % 6 == 0;
			g.nodes[x].count = rand_r(&seed) % 5 ? 1 : 9;
		}
		m = n + (int)(rand_r(&seed) % (unsigned)(2 * n));
		for (int k = 0; k < m; k++) {
			int a = (int)(rand_r(&seed) % (unsigned)n), z = (int)(rand_r(&seed) % (unsigned)n);
			enum vg_edge_kind kind = (enum vg_edge_kind)(rand_r(&seed) % VG_EDGE__COUNT);
			bool dup = a == z;

			for (int j = 0; j < g.nedges && !dup; j++)
				dup = g.edges[j].from == a && g.edges[j].to == z && g.edges[j].kind == kind;
			if (!dup)
				add_edge(&g, a, z, kind, 1 + rand_r(&seed) % 3);
		}
		g.entry = 0;
		assert_int_equal(vg_render_graph_svg(&b, NULL, &g, err, sizeof(err)), 0);
		vg_buf_free(&b);
		vg_graph_free(&g);
	}
}

/* ---- on a store ------------------------------------------------------------------------ */

static void test_html_page_is_self_contained_and_escaped(void **state)
{
	struct vg_store *st = fresh();
	int64_t sh = proc(st, "1-10", "S1", NULL, NULL, "[\"sh\",\"-c\",\"echo <script>window.pwned=1</script>\"]", 0);
	int64_t f = file(st, "/tmp/<img src=x onerror=alert(1)>");
	int64_t inc_id, ev;
	static const struct vg_html_opts file_opts = { 0 };
	struct vg_incident inc;
	struct vg_graph g;
	struct vg_buf b = { 0 };
	char err[256];
	const char *data;

	ev = event(st, sh, T0 + SEC, "create_file", f, 0, true);
	assert_int_equal(vg_store_exec(st, "UPDATE events SET fields = '{\"file\":{\"path\":\"/tmp/<img src=x onerror=alert(1)>\"}}'"), 0);
	{
		const char *tags[] = { "mitre_execution" };
		struct vg_alert_in a = { .host = 1, .ts = T0 + SEC, .rule = "Dropped <b>file</b>", .output = "out <script>",
					 .tags_json = "[]", .tactics = vg_tactic_mask(tags, 1), .priority = VG_PRIO_ERROR,
					 .proc = sh, .evidence = &ev, .nevidence = 1 };
		int64_t row;

		assert_int_equal(vg_incident_file(st, &a, &inc_id, &row), 0);
	}
	assert_int_equal(vg_incident_load(st, inc_id, &inc), 0);
	assert_int_equal(vg_graph_build(st, &inc, &g), 0);
	assert_int_equal(vg_render_show_html(&b, st, &inc, &g, &file_opts, err, sizeof(err)), 0);
	vg_buf_putc(&b, 0);
	/* two scripts: the data (not run) and vigil.js; nothing an event said became markup */
	assert_int_equal(count(b.p, "<script"), 2);
	assert_int_equal(count(b.p, "<script type=\"application/json\" id=\"vg-data\">"), 1);
	assert_int_equal(count(b.p, "<img"), 0);
	assert_int_equal(count(b.p, "<b>file"), 0);
	assert_non_null(strstr(b.p, "Dropped &lt;b&gt;file&lt;/b&gt;"));
	assert_non_null(strstr(b.p, "echo &lt;script&gt;window.pwned=1&lt;/script&gt;"));
	assert_non_null(data = strstr(b.p, "id=\"vg-data\">"));
	assert_non_null(strstr(data, "\\u003cscript\\u003ewindow.pwned=1\\u003c/script\\u003e"));
	/* a file that loads nothing: its policy forbids it and it names nothing outside */
	assert_non_null(strstr(b.p, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
	assert_int_equal(count(b.p, "src=\"http"), 0);
	assert_int_equal(count(b.p, "href=\"http"), 0);
	assert_int_equal(count(b.p, "<link rel=\"stylesheet\""), 0);
	/* the drawing, the timeline step and its event, in the file */
	assert_non_null(strstr(b.p, "<svg"));
	assert_non_null(strstr(b.p, "data-edge=\"p1_create_f1\""));
	assert_non_null(strstr(b.p, "<details class=\"vg-event\" id=\"ev-1\">"));
	assert_non_null(strstr(b.p, "<a href=\"#ev-1\">1</a>"));
	vg_buf_free(&b);
	vg_graph_free(&g);
	vg_incident_free(&inc);
	done(st);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int64_t endpoint(struct vg_store *st, int a, int port)
{
	sqlite3_stmt *s = vg_sql(st, "INSERT INTO flows(host, proto, sip, sport, dip, dport, first, last, count)"
				     " VALUES(1, 'tcp', '10.0.0.1', 40000, ?1, ?2, 0, 0, 1) RETURNING id");
	char addr[32];
	int64_t id = 0;

	snprintf(addr, sizeof(addr), "198.51.%d.%d", a / 250, a % 250 + 1);
	sqlite3_bind_text(s, 1, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, port);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/* A child of the shell 1-10 with its own image and command line. */
static int64_t child(struct vg_store *st, int k, const char *exe, const char *argv)
{
	char id[32];
	sqlite3_stmt *s;
	int64_t row;

	snprintf(id, sizeof(id), "%d-%d", 1000 + k, 20000 + k);
	row = proc(st, id, "S1", NULL, "[\"1-10\"]", argv, 0);
	s = vg_sql(st, "UPDATE procs SET parent_exec_id = '1-10', exe = ?2, comm = 'c', exec_time = ?3 WHERE id = ?1");
	sqlite3_bind_int64(s, 1, row);
	sqlite3_bind_text(s, 2, exe, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (int64_t)(T0 + (uint64_t)k * 1000));
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_reset(s);
	return row;
}

/* ~1,600 raw nodes: 80 different tools each dropping a file in its own directory (40 of
 * them also calling a host of their own), 1,000 identical curls to one address, 300
 * files written into one directory. Collapsing leaves 205 nodes, all drawn. */
static void test_a_200_node_incident_is_drawn_whole(void **state)
{
	struct vg_store *st = fresh();
	int64_t shell, writer, last = 0;
	struct vg_incident inc;
	struct vg_graph g;
	struct vg_buf b = { 0 }, dot = { 0 };
	char err[256];
	double t0, t1;
	int64_t inc_id = 0;

	assert_int_equal(vg_store_exec(st, "BEGIN"), 0);
	shell = proc(st, "1-10", "S1", NULL, NULL, "[\"bash\"]", 0);
	for (int k = 0; k < 80; k++) {
		char exe[64], argv[128], path[64];
		int64_t c;

		snprintf(exe, sizeof(exe), "/usr/bin/tool%d", k);
		snprintf(argv, sizeof(argv), "[\"tool%d\",\"--target\",\"host%d\"]", k, k);
		snprintf(path, sizeof(path), "/var/tmp/d%d/out", k);
		c = child(st, k, exe, argv);
		event(st, c, T0 + (uint64_t)k * 1000 + 1, "create_file", file(st, path), 0, true);
		if (k % 2 == 0)
			event(st, c, T0 + (uint64_t)k * 1000 + 2, "connect", 0, endpoint(st, k, 443), false);
	}
	for (int k = 0; k < 1000; k++)
		event(st, child(st, 200 + k, "/usr/bin/curl", "[\"curl\",\"-s\",\"http://198.51.100.1/\"]"),
		      T0 + (uint64_t)(200 + k) * 1000 + 1, "connect", 0, endpoint(st, 999, 1000 + k), false);
	writer = child(st, 1300, "/usr/bin/tar", "[\"tar\",\"-xf\",\"kit.tar\"]");
	for (int k = 0; k < 300; k++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/shm/kit/f%d", k);
		last = event(st, writer, T0 + 1300 * 1000 + (uint64_t)k + 1, "create_file", file(st, path), 0, true);
	}
	assert_int_equal(vg_store_exec(st, "COMMIT"), 0);
	{
		const char *tags[] = { "mitre_execution" };
		struct vg_alert_in a = { .host = 1, .ts = T0 + 2 * SEC, .rule = "Kit unpacked", .output = "o", .tags_json = "[]",
					 .tactics = vg_tactic_mask(tags, 1), .priority = VG_PRIO_ERROR, .proc = writer,
					 .evidence = &last, .nevidence = 1 };
		int64_t row;

		assert_int_equal(vg_incident_file(st, &a, &inc_id, &row), 0);
	}
	(void)shell;
	assert_int_equal(vg_incident_load(st, inc_id, &inc), 0);
	assert_int_equal(vg_graph_build(st, &inc, &g), 0);
	/* the shell, 80 tools, their 80 files, 40 hosts, the curls, their address, tar, the kit */
	assert_int_equal(g.nnodes, 1 + 80 + 80 + 40 + 1 + 1 + 1 + 1);
	t0 = now_ms();
	assert_int_equal(vg_render_graph_svg(&b, &inc, &g, err, sizeof(err)), 0);
	t1 = now_ms();
	vg_buf_putc(&b, 0);
	assert_int_equal(count(b.p, "class=\"node "), g.nnodes);
	assert_int_equal(count(b.p, "class=\"edge "), g.nedges);
	assert_non_null(strstr(b.p, "\xc3\x97" "1000 alike"));
	assert_non_null(strstr(b.p, "/dev/shm/kit/ (300 files)"));
	vg_render_graph_dot(&dot, &inc, &g);
	printf("layout: %d nodes, %d edges (from %d processes, %d files and flows): dot %zu bytes, svg %zu bytes, "
	       "%.0f ms\n",
	       g.nnodes, g.nedges, 1 + 80 + 1000 + 1, 80 + 40 + 1000 + 300, dot.len, b.len, t1 - t0);
	vg_buf_free(&dot);
	vg_buf_free(&b);
	vg_graph_free(&g);
	vg_incident_free(&inc);
	done(st);
}

/* Beyond VG_DRAW_MAX_NODES nothing alerting is left out, and the drawing says so. */
static void test_a_graph_beyond_the_budget_keeps_what_alerted(void **state)
{
	struct vg_graph g = { 0 };
	struct vg_buf b = { 0 };
	int root = add_node(&g, VG_NODE_PROCESS, 1, "root");
	int n = 1000;

	for (int i = 2; i <= n; i++) {
		char label[32];
		int x;

		snprintf(label, sizeof(label), "proc %d", i);
		x = add_node(&g, VG_NODE_PROCESS, i, label);
		g.nodes[x].parent = root;
		g.nodes[x].alerting = i > n - 5; /* the newest: left out first, were they not alerting */
		add_edge(&g, root, x, VG_EDGE_EXEC, 1);
	}
	g.entry = root;
	vg_render_graph_dot(&b, NULL, &g);
	vg_buf_putc(&b, 0);
	assert_int_equal(count(b.p, "class=\"process"), VG_DRAW_MAX_NODES);
	assert_int_equal(count(b.p, " -> "), VG_DRAW_MAX_NODES - 1);
	for (int i = n - 4; i <= n; i++) {
		char id[32];

		snprintf(id, sizeof(id), "\"p%d\" [id=", i);
		assert_non_null(strstr(b.p, id));
	}
	assert_non_null(strstr(b.p, "600 more nodes not drawn"));
	vg_buf_free(&b);
	vg_graph_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot_labels_are_escaped_text),
		cmocka_unit_test(test_dot_marks_alerts_context_counts_and_steps),
		cmocka_unit_test(test_long_labels_wrap_on_character_boundaries),
		cmocka_unit_test(test_svg_keeps_ids_and_no_markup_from_labels),
		cmocka_unit_test(test_a_cycle_is_drawn_without_ranking_its_closing_edge),
		cmocka_unit_test(test_random_graphs_lay_out),
		cmocka_unit_test(test_html_escaping_and_json_in_script),
		cmocka_unit_test(test_assets_are_embedded_and_inline_safely),
		cmocka_unit_test(test_html_page_is_self_contained_and_escaped),
		cmocka_unit_test(test_a_200_node_incident_is_drawn_whole),
		cmocka_unit_test(test_a_graph_beyond_the_budget_keeps_what_alerted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

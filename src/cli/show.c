/* show.c — `vigil show ID`: one incident (or the incident of an alert) with its alerts,
 * processes, files, connections, timeline and attack-path graph, as text, JSON, or drawn
 * (DOT, SVG, a self-contained HTML page). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "incident/graph.h"
#include "incident/render.h"
#include "store/store.h"

static void usage(FILE *f)
{
	fputs("usage: vigil show [--store PATH] [--format text|json|dot|svg|html] [--alert] ID\n"
	      "  ID                an incident id (from `vigil incidents`); with --alert, an alert id\n"
	      "  --store PATH      the store (default " VG_STORE_DEFAULT_PATH ")\n"
	      "  --format FMT      text (default); json: the incident with its timeline, its graph\n"
	      "                    (nodes: processes, files, endpoints; edges with times) and its\n"
	      "                    evidence events; dot: the attack path as Graphviz DOT; svg: laid\n"
	      "                    out (graphviz dot); html: one page that needs nothing else (the\n"
	      "                    SVG with zoom and pan, timeline, evidence; works offline)\n",
	      f);
}

/* The incident in format on stdout; -1 (said) when it cannot be drawn. */
static int print(struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g, const char *format)
{
	struct vg_buf b = { 0 };
	char err[512];
	int rc = 0;

	if (strcmp(format, "text") == 0) {
		vg_render_show_text(stdout, inc, g, isatty(STDOUT_FILENO));
		return 0;
	}
	if ((rc = vg_render_show(&b, st, inc, g, format, NULL, err, sizeof(err))) < 0)
		vg_cli_error("incident %lld: %s", (long long)inc->id, err);
	else
		fwrite(b.p, 1, b.len, stdout);
	vg_buf_free(&b);
	return rc;
}

int vg_cmd_show(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' }, { "format", required_argument, NULL, 'f' },
		{ "alert", no_argument, NULL, 'a' },      { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	const char *format = "text";
	bool alert = false;
	struct vg_incident inc;
	struct vg_graph g;
	struct vg_store *st;
	long long id;
	char *end;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:f:ah", longopts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'f':
			if (strcmp(optarg, "text") && !vg_render_show_type(optarg))
				return vg_cli_error("--format must be text, json, dot, svg or html, not '%s'", optarg), 2;
			format = optarg;
			break;
		case 'a': alert = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	id = strtoll(argv[optind], &end, 10);
	if (*end || id <= 0)
		return vg_cli_error("'%s' is not an id (a positive number)", argv[optind]), 2;
	if (!(st = vg_cli_store(path)))
		return 1;
	if (alert && !(id = vg_incident_of_alert(st, id))) {
		vg_store_close(st);
		return vg_cli_error("no alert %s in %s", argv[optind], vg_store_path(st)), 1;
	}
	if (vg_incident_load(st, id, &inc) < 0) {
		vg_cli_error("no incident %lld in %s", id, vg_store_path(st));
		vg_store_close(st);
		return 1;
	}
	if (vg_graph_build(st, &inc, &g) < 0) {
		vg_cli_error("cannot build the graph of incident %lld", id);
		rc = 1;
	} else if (print(st, &inc, &g, format) < 0) {
		rc = 1;
	}
	vg_graph_free(&g);
	vg_incident_free(&inc);
	vg_store_close(st);
	return rc;
}

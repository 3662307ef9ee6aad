/* render_svg.c — the attack path laid out by graphviz (render.h).
 *
 * graphviz's libraries in this process rather than the `dot` program: nothing is spawned
 * (the UI serves pages next to a root agent; `vigil show` needs no graphviz binary on
 * PATH), no temporary file or pipe, errors come back as values, and a page costs the
 * layout alone. The dot layout and the core SVG renderer are linked in as builtins
 * (gvContextPlugins without demand loading): graphviz's plugin configuration is never
 * read and its cairo/pango plugins never loaded; text is measured with graphviz's own
 * font metrics, which match the monospace face the labels ask for.
 *
 * graphviz keeps global state (its error handler, the cgraph dictionaries), so one
 * layout runs at a time. */
#include <graphviz/gvc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "incident/render.h"

extern gvplugin_library_t gvplugin_dot_layout_LTX_library;
extern gvplugin_library_t gvplugin_core_LTX_library;

static const lt_symlist_t builtins[] = {
	{ "gvplugin_dot_layout_LTX_library", &gvplugin_dot_layout_LTX_library },
	{ "gvplugin_core_LTX_library", &gvplugin_core_LTX_library },
	{ NULL, NULL },
};

static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_error[256]; /* under layout_lock */

static int keep_error(char *msg)
{
	size_t n;

	snprintf(last_error, sizeof(last_error), "%s", msg);
	n = strlen(last_error);
	while (n && (last_error[n - 1] == '\n' || last_error[n - 1] == ' '))
		last_error[--n] = 0;
	return 0;
}

int vg_render_graph_svg(struct vg_buf *b, const struct vg_incident *inc, const struct vg_graph *g, char *err,
			size_t errlen)
{
	struct vg_buf dot = { 0 };
	GVC_t *gvc;
	Agraph_t *ag;
	char *svg = NULL;
	unsigned int len = 0;
	int rc = -1;

	vg_render_graph_dot(&dot, inc, g);
	pthread_mutex_lock(&layout_lock);
	last_error[0] = 0;
	agseterr(AGERR);
	agseterrf(keep_error);
	gvc = gvContextPlugins(builtins, 0);
	if (!gvc) {
		snprintf(err, errlen, "graphviz: no context");
		goto out;
	}
	if (!(ag = agmemread(dot.p))) {
		snprintf(err, errlen, "graphviz cannot read the DOT: %s", last_error);
	} else {
		if (gvLayout(gvc, ag, "dot") != 0)
			snprintf(err, errlen, "graphviz dot layout failed: %s", last_error);
		else if (gvRenderData(gvc, ag, "svg", &svg, &len) != 0 || !svg)
			snprintf(err, errlen, "graphviz SVG rendering failed: %s", last_error);
		else
			rc = 0;
		if (rc == 0)
			vg_buf_put(b, svg, len);
		if (svg)
			gvFreeRenderData(svg);
		gvFreeLayout(gvc, ag);
		agclose(ag);
	}
	gvFreeContext(gvc);
out:
	agseterrf(NULL);
	pthread_mutex_unlock(&layout_lock);
	vg_buf_free(&dot);
	return rc;
}

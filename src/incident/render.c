/* render.c — the formats `vigil show --format` prints and the UI serves, in one table
 * (render.h): each with its Content-Type and its writer. */
#include <stdio.h>
#include <string.h>
#include "incident/render.h"

static int as_json(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g,
		   const struct vg_html_opts *o, char *err, size_t errlen)
{
	vg_render_show_json(b, st, inc, g);
	vg_buf_putc(b, '\n');
	return 0;
}

static int as_dot(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g,
		  const struct vg_html_opts *o, char *err, size_t errlen)
{
	vg_render_graph_dot(b, inc, g);
	return 0;
}

static int as_svg(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g,
		  const struct vg_html_opts *o, char *err, size_t errlen)
{
	return vg_render_graph_svg(b, inc, g, err, errlen);
}

static const struct vg_html_opts file_page; /* a file: assets inline, evidence inside */

static int as_html(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g,
		   const struct vg_html_opts *o, char *err, size_t errlen)
{
	return vg_render_show_html(b, st, inc, g, o ? o : &file_page, err, errlen);
}

static const struct {
	const char *name, *type;
	int (*write)(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g,
		     const struct vg_html_opts *o, char *err, size_t errlen);
} formats[] = {
	{ "json", "application/json", as_json },
	{ "dot", "text/vnd.graphviz; charset=utf-8", as_dot },
	{ "svg", "image/svg+xml", as_svg },
	{ "html", "text/html; charset=utf-8", as_html },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const char *vg_render_show_type(const char *format)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(format, formats[i].name) == 0)
			return formats[i].type;
	return NULL;
}

int vg_render_show(struct vg_buf *b, struct vg_store *st, const struct vg_incident *inc, const struct vg_graph *g,
		   const char *format, const struct vg_html_opts *o, char *err, size_t errlen)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (strcmp(format, formats[i].name) == 0)
			return formats[i].write(b, st, inc, g, o, err, errlen);
	snprintf(err, errlen, "no format '%s' (json, dot, svg, html)", format);
	return -1;
}

/* page_list.c — / : the incidents, highest score first (open ones; ?all=1 also closed). */
#include <string.h>
#include "incident/incident.h"
#include "incident/render.h"
#include "ui/internal.h"

#define LIST_MAX 1000

void vg_ui_page_list(const struct vg_ui_request *rq, struct vg_ui_reply *r)
{
	const char *all_arg = vg_ui_arg(rq, "all");
	bool all = all_arg && strcmp(all_arg, "0") != 0;
	struct vg_incident *incs;
	int n;

	if (vg_incidents_load(rq->ui->st, all, LIST_MAX, NULL, &incs, &n) < 0) {
		vg_ui_fail(r, 500, "cannot read the incidents of %s", vg_store_path(rq->ui->st));
		return;
	}
	vg_render_html_begin(&r->body, "vigil incidents", &vg_ui_page_opts);
	vg_buf_printf(&r->body, "<h1>%s incidents</h1>\n<p class=\"vg-filter\">%s</p>\n", all ? "All" : "Open",
		      all ? "<a href=\"/\">open incidents only</a>"
			  : "Open: their last alert is within the window. <a href=\"/?all=1\">all incidents</a>");
	vg_render_incidents_html(&r->body, incs, n, "/incident/");
	if (n == LIST_MAX)
		vg_buf_printf(&r->body, "<p class=\"vg-dim\">The first %d; <code>vigil incidents --all</code> lists all.</p>\n",
			      LIST_MAX);
	vg_render_html_end(&r->body, &vg_ui_page_opts);
	vg_incidents_free(incs, n);
}

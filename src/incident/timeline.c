/* timeline.c — an incident's steps in time order, and the times they are shown with
 * (render.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "incident/render.h"

static int by_time(const void *a, const void *b)
{
	const struct vg_timeline_entry *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	/* at the same instant, what happened before the alert about it */
	return (x->alert >= 0) - (y->alert >= 0);
}

void vg_timeline_build(const struct vg_incident *inc, const struct vg_graph *g, struct vg_timeline_entry **out,
		       int *n)
{
	int cap = inc->nalerts + (g ? g->nedges : 0);

	*n = 0;
	*out = calloc((size_t)cap + 1, sizeof(**out));
	if (!*out)
		abort();
	for (int i = 0; i < inc->nalerts; i++)
		(*out)[(*n)++] = (struct vg_timeline_entry){ .ts = inc->alerts[i].first, .alert = i, .edge = -1 };
	for (int i = 0; g && i < g->nedges; i++)
		(*out)[(*n)++] = (struct vg_timeline_entry){ .ts = g->edges[i].first, .alert = -1, .edge = i };
	qsort(*out, (size_t)*n, sizeof(**out), by_time);
}

void vg_render_stamp(char *out, size_t len, uint64_t ns, bool date)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char s[40];

	gmtime_r(&secs, &tm);
	strftime(s, sizeof(s), date ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	snprintf(out, len, "%s.%03lluZ", s, (unsigned long long)(ns % 1000000000ull / 1000000));
}

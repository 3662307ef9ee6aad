/* sink_text.c — the text sink: aligned columns for people, one line per event and per
 * alert, to a file or stdout; the stats go to stderr as one summary line.
 * `--sink text:PATH` (or `--format text`). */
#include <stdio.h>
#include "output/sink.h"
#include "output/stats.h"
#include "output/stream.h"
#include "output/text.h"
#include "reader/reader.h"

static int text_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	s->priv = vg_stream_open(arg[0] ? arg : "-", err, errlen);
	if (!s->priv)
		return -1;
	vg_text_header(vg_stream_begin(s->priv));
	vg_stream_end(s->priv);
	return 0;
}

static void text_event(struct vg_sink *s, const struct vg_event *ev)
{
	vg_text_event(vg_stream_begin(s->priv), ev);
	vg_stream_end(s->priv);
}

static void text_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v)
{
	vg_text_alert(vg_stream_begin(s->priv), a, v);
	vg_stream_end(s->priv);
}

static void text_stats(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	fprintf(stderr, "vigil: %llu events, %llu lost, %llu suppressed, seq gap %lld\n",
		(unsigned long long)c->received_total, (unsigned long long)c->lost, (unsigned long long)c->suppressed,
		(long long)c->seq_gap);
}

const struct vg_sink_type vg_sink_text = {
	.scheme = "text",
	.usage = "text:PATH|-    aligned columns for people (events, alerts) to a file or stdout",
	.open = text_open,
	.event = text_event,
	.alert = text_alert,
	.stats = text_stats,
	.flush = vg_stream_sink_flush,
	.reopen = vg_stream_sink_reopen,
	.counters = vg_stream_sink_counters,
	.close = vg_stream_sink_close,
};

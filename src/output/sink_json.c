/* sink_json.c — the json sink: one JSON object per line (events, alerts, stats) to a file
 * or stdout. `--sink json:PATH` (or `--output PATH`, the default format). */
#include "output/json.h"
#include "output/sink.h"
#include "output/stats.h"
#include "output/stream.h"

static int json_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	s->priv = vg_stream_open(arg[0] ? arg : "-", err, errlen);
	return s->priv ? 0 : -1;
}

static void json_event(struct vg_sink *s, const struct vg_event *ev)
{
	vg_json_event(vg_stream_begin(s->priv), ev);
	vg_stream_end(s->priv);
}

static void json_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v)
{
	vg_json_alert(vg_stream_begin(s->priv), a, v);
	vg_stream_end(s->priv);
}

static void json_stats(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	vg_json_stats(vg_stream_begin(s->priv), c, x);
	vg_stream_end(s->priv);
}

const struct vg_sink_type vg_sink_json = {
	.scheme = "json",
	.usage = "json:PATH|-    JSON lines (events, alerts, stats) to a file or stdout",
	.open = json_open,
	.event = json_event,
	.alert = json_alert,
	.stats = json_stats,
	.flush = vg_stream_sink_flush,
	.reopen = vg_stream_sink_reopen,
	.counters = vg_stream_sink_counters,
	.close = vg_stream_sink_close,
};

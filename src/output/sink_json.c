/* sink_json.c — the json sink: one JSON object per line (events, alerts, stats) to a file
 * or stdout. `--sink json:PATH` (or `--output PATH`, the default format). */
#include "output/json.h"
#include "output/sink.h"
#include "output/stats.h"
#include "output/stream.h"

static bool json_stats(struct vg_buf *b, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	vg_json_stats(b, c, x);
	return true;
}

static const struct vg_line_format json = {
	.event = vg_json_event,
	.alert = vg_json_alert,
	.stats = json_stats,
	.metrics = vg_json_metrics,
};

static int json_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	return vg_line_sink_open(s, arg, &json, err, errlen);
}

const struct vg_sink_type vg_sink_json =
	VG_LINE_SINK("json", "json:PATH|-    JSON lines (events, alerts, stats, metrics) to a file or stdout", json_open);

/* sink_text.c — the text sink: aligned columns for people, one line per event and per
 * alert, to a file or stdout; the stats go to stderr as one summary line.
 * `--sink text:PATH` (or `--format text`). */
#include <stdio.h>
#include "output/sink.h"
#include "output/stats.h"
#include "output/stream.h"
#include "output/text.h"
#include "reader/reader.h"

static bool text_stats(struct vg_buf *b, const struct vg_counters *c, const struct vg_stats_extra *x)
{
	fprintf(stderr, "vigil: %llu events, %llu lost, %llu suppressed, %llu filtered, seq gap %lld\n",
		(unsigned long long)c->received_total, (unsigned long long)c->lost, (unsigned long long)c->suppressed,
		(unsigned long long)c->filtered, (long long)c->seq_gap);
	return false;
}

static const struct vg_line_format text = {
	.header = vg_text_header,
	.event = vg_text_event,
	.alert = vg_text_alert,
	.stats = text_stats,
};

static int text_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	return vg_line_sink_open(s, arg, &text, err, errlen);
}

const struct vg_sink_type vg_sink_text =
	VG_LINE_SINK("text", "text:PATH|-    aligned columns for people (events, alerts) to a file or stdout", text_open);

/* sink_console.c — the console view, for a person at a terminal: one readable line per
 * alert (time, priority in colour, rule, the rule's output), the way Falco prints to
 * stdout; printed events as the text format's columns; one summary line on stderr at exit.
 * `vigil run` uses it instead of JSON when stdout is a terminal and no output was chosen.
 * `--sink console:[;color=auto|always|never]`.
 *
 * Everything shown comes through vg_text_str, so no byte an attacker controls (argv, file
 * names, comm in an alert's output) reaches the terminal raw: no escape sequence can
 * recolour, move the cursor or fake a line. Colour follows NO_COLOR and TERM=dumb. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output/sink.h"
#include "output/sinkopt.h"
#include "output/stats.h"
#include "output/stream.h"
#include "output/text.h"
#include "reader/reader.h"
#include "rules/rules.h"

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct console_opts {
	int color;
};

static const char *const color_choices[] = { "auto", "always", "never", NULL };

static const struct vg_sinkopt console_options[] = {
	{ "color", VG_SO_ENUM, offsetof(struct console_opts, color), 0, color_choices,
	  "auto (default): on a terminal, unless NO_COLOR is set or TERM=dumb" },
	VG_SINKOPT_END,
};

struct console {
	struct vg_stream *st;
	bool color, header_done;
	uint64_t alerts;
};

/* SGR colours by priority, most severe first (Falco's scale). */
static const char *const prio_color[] = {
	[VG_PRIO_EMERGENCY] = "\033[1;37;41m", [VG_PRIO_ALERT] = "\033[1;31m",   [VG_PRIO_CRITICAL] = "\033[1;31m",
	[VG_PRIO_ERROR] = "\033[31m",          [VG_PRIO_WARNING] = "\033[33m",   [VG_PRIO_NOTICE] = "\033[36m",
	[VG_PRIO_INFORMATIONAL] = "\033[32m",  [VG_PRIO_DEBUG] = "\033[2m",
};

static bool want_color(int mode, const struct vg_stream *st)
{
	const char *term = getenv("TERM"), *no = getenv("NO_COLOR");

	if (mode != COLOR_AUTO)
		return mode == COLOR_ALWAYS;
	return vg_stream_isatty(st) && !(no && no[0]) && !(term && !strcmp(term, "dumb"));
}

static int console_open(struct vg_sink *s, const char *arg, char *err, size_t errlen)
{
	struct console_opts o = { COLOR_AUTO };
	struct console *c;
	char target[8];

	if (vg_sinkopt_parse(console_options, &o, arg, target, sizeof(target), err, errlen) < 0)
		return -1;
	if (target[0] && strcmp(target, "-")) {
		snprintf(err, errlen, "the console sink writes to stdout: console: takes no path");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->st = vg_stream_open("-", err, errlen))) {
		free(c);
		return -1;
	}
	c->color = want_color(o.color, c->st);
	s->priv = c;
	return 0;
}

static void console_event(struct vg_sink *s, const struct vg_event *ev)
{
	struct console *c = s->priv;

	if (!c->header_done) {
		vg_text_header(vg_stream_begin(c->st));
		vg_stream_end(c->st);
		c->header_done = true;
	}
	vg_text_event(vg_stream_begin(c->st), ev);
	vg_stream_end(c->st);
}

static void console_alert(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v)
{
	struct console *c = s->priv;
	struct vg_buf *b = vg_stream_begin(c->st);
	const char *prio = vg_priority_name(a->priority);
	char name[16];

	/* "warning" -> "Warning", as Falco prints it */
	snprintf(name, sizeof(name), "%s", prio);
	name[0] = (char)(name[0] - 'a' + 'A');
	vg_text_time(b, a->ev->ts_ns);
	vg_buf_putc(b, ' ');
	if (c->color && (unsigned)a->priority <= VG_PRIO_DEBUG)
		vg_buf_puts(b, prio_color[a->priority]);
	vg_buf_printf(b, "%-13s", name);
	if (c->color)
		vg_buf_puts(b, "\033[0m\033[1m");
	vg_buf_putc(b, ' ');
	vg_text_str(b, a->rule, strlen(a->rule), false);
	if (c->color)
		vg_buf_puts(b, "\033[0m");
	vg_buf_puts(b, "  ");
	vg_text_str(b, a->output ? a->output : "", a->output ? strlen(a->output) : 0, false);
	if (v->killed)
		vg_buf_puts(b, c->color ? " \033[1;31m(killed)\033[0m" : " (killed)");
	vg_stream_end(c->st);
	c->alerts++;
}

static void console_stats(struct vg_sink *s, const struct vg_counters *cn, const struct vg_stats_extra *x)
{
	if (!x->final)
		return;
	fprintf(stderr, "vigil: %llu events, %llu alerts, %llu lost, %llu suppressed in %.0f s\n",
		(unsigned long long)cn->received_total, (unsigned long long)x->alerts, (unsigned long long)cn->lost,
		(unsigned long long)cn->suppressed, x->uptime_s);
}

static void console_flush(struct vg_sink *s, uint64_t now_ns)
{
	vg_stream_flush(((struct console *)s->priv)->st);
}

static void console_counters(const struct vg_sink *s, struct vg_sink_counters *c)
{
	vg_stream_counters(((struct console *)s->priv)->st, c);
}

static void console_close(struct vg_sink *s)
{
	struct console *c = s->priv;

	vg_stream_close(c->st);
	free(c);
}

const struct vg_sink_type vg_sink_console = {
	.scheme = "console",
	.usage = "console:       one coloured line per alert for a terminal (the default on a tty)",
	.options = console_options,
	.open = console_open,
	.event = console_event,
	.alert = console_alert,
	.stats = console_stats,
	.flush = console_flush,
	.counters = console_counters,
	.close = console_close,
};

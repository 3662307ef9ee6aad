/* run.c — `vigil run`: the agent. Loads the hooks for the selected events, bootstraps the
 * process table from /proc, then drains the ring buffer through decode -> output until
 * SIGINT/SIGTERM or --duration, with periodic and final stats. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "clock.h"
#include "decode/decode.h"
#include "loader/features.h"
#include "loader/loader.h"
#include "output/json.h"
#include "output/stats.h"
#include "output/text.h"
#include "proc/procfs.h"
#include "reader/reader.h"

struct run_opts {
	bool json;
	const char *output;
	const char *events;
	const char *profile;
	double duration;
	double stats_interval;
	unsigned proc_cap;
	struct vg_kconfig kc;
	const char *allow_exe[64];
	int n_allow_exe;
	const char *allow_cmd[64];
	int n_allow_cmd;
};

struct agent {
	struct run_opts o;
	FILE *out;
	bool print[VG_EV__COUNT];
	struct vg_proctable *pt;
	struct vg_loader loader;
	struct vg_reader reader;
	struct vg_buf line;
	struct vg_event ev;
	uint64_t started;
	struct vg_counters last_warned;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fputs("usage: vigil run [options]\n"
	      "  --format json|text     output format (default json)\n"
	      "  --output PATH|-        where events go (default -, stdout)\n"
	      "  --events LIST          comma-separated event names (default: the profile's)\n"
	      "  --profile NAME         default | sandbox (default: default)\n"
	      "  --duration SECS        stop after SECS seconds\n"
	      "  --stats-interval SECS  emit a stats line every SECS seconds (default 10, 0 = only at exit)\n"
	      "  --ring-size BYTES      ring buffer size, a power of two >= 4096 (default 8 MiB)\n"
	      "  --proc-cap N           process table capacity (default 32768)\n"
	      "  --allow-exe PATH       in-kernel allowlist: this executable reports only exec/fork/exit\n"
	      "                         (repeatable)\n"
	      "  --allow-cmdline CMD    same, for an exact command line (\"prog arg ...\"; repeatable)\n"
	      "  --rate-limit N[:BURST] per executable and event type, at most N events/s in the kernel\n"
	      "                         (default 5000:10000; 0 disables)\n",
	      f);
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },      { "output", required_argument, NULL, 'o' },
		{ "events", required_argument, NULL, 'e' },      { "profile", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },    { "stats-interval", required_argument, NULL, 's' },
		{ "ring-size", required_argument, NULL, 'r' },   { "proc-cap", required_argument, NULL, 'c' },
		{ "allow-exe", required_argument, NULL, 'A' },   { "allow-cmdline", required_argument, NULL, 'C' },
		{ "rate-limit", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },              { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct run_opts){ .json = true, .output = "-", .profile = "default", .stats_interval = 10,
				.proc_cap = 32768,
				.kc = { .ring_size = 8u << 20, .rate_per_sec = 5000, .rate_burst = 10000 } };
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:e:p:d:s:r:c:h", longopts, NULL)) != -1) {
		char *end = NULL;

		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return vg_cli_error("--format must be json or text, not '%s'", optarg);
			o->json = strcmp(optarg, "json") == 0;
			break;
		case 'o': o->output = optarg; break;
		case 'e': o->events = optarg; break;
		case 'p':
			if (strcmp(optarg, "default") && strcmp(optarg, "sandbox"))
				return vg_cli_error("--profile must be default or sandbox, not '%s'", optarg);
			o->profile = optarg;
			break;
		case 'd':
			o->duration = strtod(optarg, &end);
			if (*end || o->duration < 0)
				return vg_cli_error("--duration takes seconds, not '%s'", optarg);
			break;
		case 's':
			o->stats_interval = strtod(optarg, &end);
			if (*end || o->stats_interval < 0)
				return vg_cli_error("--stats-interval takes seconds, not '%s'", optarg);
			break;
		case 'r':
			o->kc.ring_size = strtoull(optarg, &end, 0);
			if (*end || o->kc.ring_size < 4096 || (o->kc.ring_size & (o->kc.ring_size - 1)))
				return vg_cli_error("--ring-size must be a power of two >= 4096, not '%s'", optarg);
			break;
		case 'c':
			o->proc_cap = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->proc_cap < 16)
				return vg_cli_error("--proc-cap must be a number >= 16, not '%s'", optarg);
			break;
		case 'A':
		case 'C': {
			const char **list = c == 'A' ? o->allow_exe : o->allow_cmd;
			int *n = c == 'A' ? &o->n_allow_exe : &o->n_allow_cmd;

			if (*n == 64)
				return vg_cli_error("at most 64 --allow-exe and 64 --allow-cmdline entries");
			list[(*n)++] = optarg;
			o->kc.allow_cmdlines |= c == 'C';
			break;
		}
		case 'L':
			o->kc.rate_per_sec = (unsigned)strtoul(optarg, &end, 10);
			o->kc.rate_burst = *end == ':' ? (unsigned)strtoul(end + 1, &end, 10) : 2 * o->kc.rate_per_sec;
			if (*end || (o->kc.rate_per_sec && o->kc.rate_burst == 0))
				return vg_cli_error("--rate-limit takes N or N:BURST, not '%s'", optarg);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		return vg_cli_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The printed set: --events, else the profile's. */
static int select_events(const struct run_opts *o, bool print[VG_EV__COUNT])
{
	int level = strcmp(o->profile, "sandbox") == 0 ? 2 : 1;

	memset(print, 0, sizeof(bool) * VG_EV__COUNT);
	if (!o->events) {
		for (unsigned t = 0; t < VG_EV__COUNT; t++)
			print[t] = vg_event_profile(t) <= level;
		return 0;
	}
	return vg_parse_event_list(o->events, print);
}

static void emit(struct agent *a)
{
	fwrite(a->line.p, 1, a->line.len, a->out);
	vg_buf_reset(&a->line);
}

static void on_record(void *ctx, const void *data, size_t size)
{
	struct agent *a = ctx;

	if (vg_decode(a->pt, data, size, &a->ev) < 0) {
		a->reader.c.malformed++;
		return;
	}
	if (!a->print[a->ev.type])
		return;
	if (a->o.json) {
		vg_json_event(&a->line, &a->ev, a->pt);
		vg_buf_putc(&a->line, '\n');
	} else {
		vg_text_event(&a->line, &a->ev);
	}
	emit(a);
}

static void stats(struct agent *a, bool final)
{
	struct vg_stats_extra x = {
		.wall_ns = vg_boot_to_wall(vg_now_boot_ns()),
		.uptime_s = (double)(vg_now_boot_ns() - a->started) / 1e9,
		.proc_entries = vg_proctable_size(a->pt),
		.proc_evictions = vg_proctable_evictions(a->pt),
		.ring_size = a->o.kc.ring_size,
		.final = final,
	};
	struct vg_buf warn = { 0 };

	vg_reader_refresh(&a->reader);
	if (vg_loss_warning(&warn, &a->reader.c, &a->last_warned)) {
		fputs(warn.p, stderr);
		a->last_warned = a->reader.c;
	}
	vg_buf_free(&warn);
	if (!a->o.json) {
		fprintf(stderr, "vigil: %llu events, %llu lost, %llu suppressed, seq gap %lld\n",
			(unsigned long long)a->reader.c.received_total, (unsigned long long)a->reader.c.lost,
			(unsigned long long)a->reader.c.suppressed, (long long)a->reader.c.seq_gap);
		return;
	}
	vg_json_stats(&a->line, &a->reader.c, &x);
	vg_buf_putc(&a->line, '\n');
	emit(a);
}

static int start(struct agent *a)
{
	struct vg_features f;
	const char *fatal;
	bool want[VG_EV__COUNT];
	char err[256];

	vg_features_probe(&f);
	if ((fatal = vg_features_fatal(&f)))
		return vg_cli_error("cannot run: %s", fatal);
	vg_clock_init();
	vg_host_ns_init();
	a->pt = vg_proctable_new(a->o.proc_cap);
	if (!a->pt)
		return vg_cli_error("out of memory");
	vg_proctable_bootstrap(a->pt);
	/* the process table consumes fork and exit even when they are not printed */
	memcpy(want, a->print, sizeof(want));
	want[VG_EV_EXEC] = want[VG_EV_FORK] = want[VG_EV_EXIT] = true;
	if (vg_loader_start(&a->loader, want, &a->o.kc, err, sizeof(err)) < 0)
		return vg_cli_error("cannot run: %s", err);
	vg_loader_report(&a->loader);
	for (int i = 0; i < a->o.n_allow_exe; i++)
		if (vg_loader_allow_exe(&a->loader, a->o.allow_exe[i]) < 0)
			return vg_cli_error("--allow-exe %s: %s", a->o.allow_exe[i], strerror(errno));
	for (int i = 0; i < a->o.n_allow_cmd; i++)
		if (vg_loader_allow_cmdline(&a->loader, a->o.allow_cmd[i]) < 0)
			return vg_cli_error("--allow-cmdline %s: %s", a->o.allow_cmd[i], strerror(errno));
	if (vg_loader_set_interest(&a->loader, want) < 0)
		return vg_cli_error("cannot write the interest map: %s", strerror(errno));
	if (vg_reader_open(&a->reader, &a->loader, on_record, a) < 0)
		return vg_cli_error("cannot open the ring buffer: %s", strerror(errno));
	{
		unsigned n = 0;

		for (unsigned t = 0; t < VG_EV__COUNT; t++)
			n += a->print[t] && vg_loader_event_ok(&a->loader, t);
		fprintf(stderr, "vigil: running, %u events attached, %u processes known\n", n,
			vg_proctable_size(a->pt));
	}
	return 0;
}

static void loop(struct agent *a)
{
	uint64_t next_stats = a->started + (uint64_t)(a->o.stats_interval * 1e9);
	uint64_t deadline = a->o.duration > 0 ? a->started + (uint64_t)(a->o.duration * 1e9) : 0;

	while (!stop_requested) {
		uint64_t now;

		if (vg_reader_poll(&a->reader, 20) < 0) {
			vg_cli_error("ring buffer poll failed: %s", strerror(errno));
			break;
		}
		fflush(a->out);
		now = vg_now_boot_ns();
		if (deadline && now >= deadline)
			break;
		if (a->o.stats_interval > 0 && now >= next_stats) {
			stats(a, false);
			next_stats = now + (uint64_t)(a->o.stats_interval * 1e9);
		}
	}
	/* stop the kernel side first, so the final counters and the drained ring agree */
	vg_loader_detach(&a->loader);
	vg_reader_drain(&a->reader);
	stats(a, true);
	fflush(a->out);
}

int vg_cmd_run(int argc, char **argv)
{
	static struct agent a; /* large (decoded event arena): not on the stack */
	struct sigaction sa = { .sa_handler = on_stop };
	int rc = 1;

	if (parse_opts(argc, argv, &a.o) < 0 || select_events(&a.o, a.print) < 0)
		return 2;
	a.out = strcmp(a.o.output, "-") == 0 ? stdout : fopen(a.o.output, "w");
	if (!a.out)
		return vg_cli_error("cannot open %s: %s", a.o.output, strerror(errno)), 1;
	setvbuf(a.out, NULL, _IOFBF, 1 << 20);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (start(&a) == 0) {
		a.started = vg_now_boot_ns();
		if (!a.o.json) {
			vg_text_header(&a.line);
			emit(&a);
		}
		loop(&a);
		rc = 0;
	}
	vg_reader_close(&a.reader);
	vg_loader_free(&a.loader);
	vg_proctable_free(a.pt);
	vg_buf_free(&a.line);
	if (a.out != stdout)
		fclose(a.out);
	return rc;
}

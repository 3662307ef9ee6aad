/* run.c — `vigil run`: the agent. Loads the hooks for the selected events, bootstraps the
 * process table from /proc, then drains the ring buffer through decode -> rules -> sinks
 * until SIGINT/SIGTERM or --duration, with periodic and final stats. SIGHUP reloads the
 * rules (the new set is built beside the old one and swapped in only when it loads; the
 * hooks follow the rules' interest without touching the ring buffer, so nothing is lost)
 * and reopens the sinks' files. The integrity checks (src/integrity) run on their own thread
 * when the integrity event is wanted; the loop takes their findings like ring records. */
#include <sys/types.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/pipeline.h"
#include "agent/setup.h"
#include "cli/cli.h"
#include "clock.h"
#include "decode/decode.h"
#include "enforce/enforce.h"
#include "integrity/integrity.h"
#include "loader/features.h"
#include "loader/loader.h"
#include "loader/watch.h"
#include "output/sink.h"
#include "output/stats.h"
#include "proc/procfs.h"
#include "reader/reader.h"
#include "reader/recording.h"
#include "rules/rules.h"

struct run_opts {
	struct vg_output_opts out;
	double duration;
	double stats_interval;
	unsigned proc_cap;
	struct vg_kconfig kc;
	const char *allow_exe[64];
	int n_allow_exe;
	const char *allow_cmd[64];
	int n_allow_cmd;
	const char *watch[VG_WATCH_EXTRA];
	unsigned n_watch;
	const char *record;
	struct vg_enforce_opts deny;
	struct vg_integrity_opts integrity;
};

struct agent {
	struct run_opts o;
	bool print[VG_EV__COUNT];
	struct vg_sinks sinks;
	struct vg_proctable *pt;
	struct vg_loader loader;
	struct vg_watch watch;
	struct vg_reader reader;
	struct vg_pipeline pipe;
	struct vg_enforcer *enforce;
	struct vg_integrity_checks *integrity;
	bool loaded[VG_EV__COUNT];
	uint64_t started;
	struct vg_counters last_warned;
};

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *f)
{
	fputs("usage: vigil run [options]\n" VG_OUTPUT_USAGE
	      "                         (SIGHUP reloads the rules)\n"
	      "  --duration SECS        stop after SECS seconds\n"
	      "  --stats-interval SECS  emit a stats line every SECS seconds (default 10, 0 = only at exit)\n"
	      "  --ring-size BYTES      ring buffer size, a power of two >= 4096 (default 8 MiB)\n"
	      "  --proc-cap N           process table capacity (default 32768)\n"
	      "  --allow-exe PATH       in-kernel allowlist: this executable reports only exec/fork/exit\n"
	      "                         (repeatable)\n"
	      "  --allow-cmdline CMD    same, for an exact command line (\"prog arg ...\"; repeatable)\n"
	      "  --rate-limit N[:BURST] per executable and event type, at most N events/s in the kernel\n"
	      "                         (default 5000:10000; 0 disables)\n"
	      "  --watch PATH           the write event also reports writes to PATH (repeatable; added to\n"
	      "                         the built-in list of sensitive files)\n"
	      "  --record FILE          keep every ring-buffer record in FILE, for `vigil replay`\n"
	      "  --deny-mode enforce|audit  rules with action deny refuse the exec or open (default), or\n"
	      "                         only report what they would refuse\n"
	      "  --deny-timeout MS      longest a permission decision may take before the watchdog allows\n"
	      "                         it (fanotify; default 250)\n"
	      "  --integrity-interval SECS  run the host integrity checks (integrity event; `vigil probes`\n"
	      "                         lists them) at start and every SECS seconds (default 300, 0 = never)\n"
	      "  --integrity-root DIR   the system_files check looks at the tree at DIR (a container's or\n"
	      "                         a mounted disk's file system) instead of /\n"
	      "sinks (--sink):\n",
	      f);
	vg_sinks_usage(f);
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		VG_OUTPUT_LONGOPTS,
		{ "duration", required_argument, NULL, 'd' },    { "stats-interval", required_argument, NULL, 's' },
		{ "ring-size", required_argument, NULL, 'r' },   { "proc-cap", required_argument, NULL, 'c' },
		{ "allow-exe", required_argument, NULL, 'A' },   { "allow-cmdline", required_argument, NULL, 'C' },
		{ "rate-limit", required_argument, NULL, 'L' },   { "watch", required_argument, NULL, 'W' },
		{ "record", required_argument, NULL, 'w' },     { "deny-mode", required_argument, NULL, 'D' },
		{ "deny-timeout", required_argument, NULL, 'T' }, { "integrity-interval", required_argument, NULL, 'I' },
		{ "integrity-root", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },              { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct run_opts){ .stats_interval = 10, .proc_cap = 32768,
				.kc = { .ring_size = 8u << 20, .rate_per_sec = 5000, .rate_burst = 10000 },
				.integrity = { .interval = 300 } };
	vg_output_opts_init(&o->out);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:e:p:d:s:r:c:h", longopts, NULL)) != -1) {
		char *end = NULL;
		int taken = vg_output_opt(&o->out, c, optarg);
		unsigned long long num;

		if (taken <= 0) {
			if (taken < 0)
				return -1;
			continue;
		}
		switch (c) {
		case 'w': o->record = optarg; break;
		case 'd':
			if (vg_parse_seconds("--duration", optarg, &o->duration) < 0)
				return -1;
			break;
		case 's':
			if (vg_parse_seconds("--stats-interval", optarg, &o->stats_interval) < 0)
				return -1;
			break;
		case 'r':
			if (vg_parse_uint("--ring-size", optarg, 4096, 1u << 30, &num) < 0)
				return -1;
			o->kc.ring_size = num;
			if (o->kc.ring_size & (o->kc.ring_size - 1))
				return vg_cli_error("--ring-size must be a power of two >= 4096, not '%s'", optarg);
			break;
		case 'c':
			if (vg_parse_uint("--proc-cap", optarg, 16, 1u << 22, &num) < 0)
				return -1;
			o->proc_cap = (unsigned)num;
			break;
		case 'W':
			if (o->n_watch == VG_WATCH_EXTRA)
				return vg_cli_error("at most %d --watch paths", VG_WATCH_EXTRA);
			o->watch[o->n_watch++] = optarg;
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
		case 'D':
			if (strcmp(optarg, "enforce") && strcmp(optarg, "audit"))
				return vg_cli_error("--deny-mode must be enforce or audit, not '%s'", optarg);
			o->deny.audit = strcmp(optarg, "audit") == 0;
			break;
		case 'T':
			if (vg_parse_uint("--deny-timeout (milliseconds)", optarg, 10, 60000, &num) < 0)
				return -1;
			o->deny.timeout_ms = (unsigned)num;
			break;
		case 'I':
			if (vg_parse_seconds("--integrity-interval", optarg, &o->integrity.interval) < 0)
				return -1;
			break;
		case 'G': o->integrity.root = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		return vg_cli_error("unexpected argument '%s'", argv[optind]);
	o->kc.sandbox = strcmp(o->out.profile, "sandbox") == 0;
	return 0;
}

/* What the kernel must build: what the sinks take, what the rules can match, and the
 * lifecycle events the process table lives on. */
static void interest_of(const struct agent *a, const struct vg_ruleset *rs, bool set[VG_EV__COUNT])
{
	uint64_t rules = rs ? vg_rules_interest(rs) : 0;

	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		set[t] = (rules >> t & 1) != 0;
	vg_sinks_interest(&a->sinks, set);
	set[VG_EV_EXEC] = set[VG_EV_FORK] = set[VG_EV_EXIT] = true;
}

/* Attaches the hooks of interest and writes the interest map; warns about wanted types
 * that were not loaded at start (a reload cannot add programs to the loaded object). */
static void apply_interest(struct agent *a, bool set[VG_EV__COUNT])
{
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		if (set[t] && !a->loaded[t]) {
			fprintf(stderr, "vigil: the rules need event %s, which this run did not load; "
					"restart with --profile sandbox or --events %s\n",
				vg_event_name(t), vg_event_name(t));
			set[t] = false;
		}
	vg_loader_attach_types(&a->loader, set);
	vg_loader_set_interest(&a->loader, set);
}

/* Executables the kill rules pin are killed by the kernel at exec. */
static void push_kills(struct agent *a, const struct vg_ruleset *rs)
{
	const char *exes[256];
	int n = vg_rules_kill_exes(rs, exes, 256);

	vg_loader_kill_exes(&a->loader, exes, n);
}

static void reload(struct agent *a)
{
	struct vg_ruleset *rs = vg_load_rules(&a->o.out);
	bool set[VG_EV__COUNT];
	char why[1024];

	if (!rs) {
		fputs("vigil: rule reload failed; the previous rules stay in force\n", stderr);
		return;
	}
	vg_enforce_report(a->enforce, a->pipe.rules, a->pt, vg_pipeline_alert, &a->pipe); /* denials of the old rules */
	if (vg_enforce_rules(a->enforce, rs, why, sizeof(why)) < 0) {
		fprintf(stderr, "vigil: rule reload failed: %s; the previous rules stay in force\n", why);
		vg_ruleset_free(rs);
		return;
	}
	interest_of(a, rs, set);
	apply_interest(a, set);
	push_kills(a, rs);
	vg_ruleset_free(a->pipe.rules);
	a->pipe.rules = rs;
	fprintf(stderr, "vigil: rules reloaded: %d rules\n", vg_rules_counts(rs).rules);
}

static uint64_t alerts_suppressed(const struct vg_ruleset *rs, uint64_t *regex_limits)
{
	struct vg_rule_info info;
	uint64_t n = 0;

	*regex_limits = 0;
	for (int i = 0; rs && vg_rules_info(rs, i, &info); i++) {
		n += info.suppressed;
		*regex_limits += info.regex_limits;
	}
	return n;
}

static void stats(struct agent *a, bool final)
{
	struct vg_stats_extra x = {
		.sinks = &a->sinks,
		.wall_ns = vg_boot_to_wall(vg_now_boot_ns()),
		.uptime_s = (double)(vg_now_boot_ns() - a->started) / 1e9,
		.proc_entries = vg_proctable_size(a->pt),
		.proc_evictions = vg_proctable_evictions(a->pt),
		.ring_size = a->o.kc.ring_size,
		.alerts = a->pipe.alerts,
		.final = final,
	};
	struct vg_buf warn = { 0 }, deny = { 0 };

	x.alerts_suppressed = alerts_suppressed(a->pipe.rules, &x.regex_limits);
	vg_enforce_stats_json(a->enforce, &deny);
	vg_integrity_stats_json(a->integrity, &deny);
	x.more = deny.p;
	vg_reader_refresh(&a->reader);
	if (vg_loss_warning(&warn, &a->reader.c, &a->last_warned)) {
		fputs(warn.p, stderr);
		a->last_warned = a->reader.c;
	}
	vg_buf_free(&warn);
	vg_sinks_stats(&a->sinks, &a->reader.c, &x);
	vg_buf_free(&deny);
}

static int start(struct agent *a)
{
	struct vg_features f;
	const char *fatal;
	bool want[VG_EV__COUNT];
	char err[256], why[1024];

	vg_features_probe(&f);
	if ((fatal = vg_features_fatal(&f)))
		return vg_cli_error("cannot run: %s", fatal);
	vg_clock_init();
	vg_host_ns_init();
	a->pt = vg_proctable_new(a->o.proc_cap);
	if (!a->pt)
		return vg_cli_error("out of memory");
	vg_pipeline_init(&a->pipe, a->pt, &a->sinks, true);
	if (a->o.record && !(a->pipe.record = vg_recording_create(a->o.record, err, sizeof(err))))
		return vg_cli_error("--record: %s", err);
	if (a->o.out.n_rules && !(a->pipe.rules = vg_load_rules(&a->o.out)))
		return vg_cli_error("cannot run: the rules did not load");
	vg_proctable_bootstrap(a->pt);
	/* load the whole profile (so a reload can attach more without reloading BPF), plus
	 * whatever is printed or matched; attach only the interest */
	vg_profile_events(a->o.out.profile, a->loaded);
	interest_of(a, a->pipe.rules, want);
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		a->loaded[t] |= want[t];
	if (vg_loader_start(&a->loader, a->loaded, &a->o.kc, &f, err, sizeof(err)) < 0)
		return vg_cli_error("cannot run: %s", err);
	a->enforce = vg_enforce_new(&a->o.deny, &f);
	if (vg_enforce_rules(a->enforce, a->pipe.rules, why, sizeof(why)) < 0)
		return vg_cli_error("cannot run: %s", why);
	vg_loader_attach_types(&a->loader, want);
	vg_loader_report(&a->loader);
	for (int i = 0; i < a->o.n_allow_exe; i++)
		if (vg_loader_allow_exe(&a->loader, a->o.allow_exe[i]) < 0)
			return vg_cli_error("--allow-exe %s: %s", a->o.allow_exe[i], strerror(errno));
	for (int i = 0; i < a->o.n_allow_cmd; i++)
		if (vg_loader_allow_cmdline(&a->loader, a->o.allow_cmd[i]) < 0)
			return vg_cli_error("--allow-cmdline %s: %s", a->o.allow_cmd[i], strerror(errno));
	push_kills(a, a->pipe.rules);
	if (a->loaded[VG_EV_WRITE] && vg_watch_init(&a->watch, &a->loader, a->o.watch, a->o.n_watch) < 0)
		return vg_cli_error("cannot write the watch map: %s", strerror(errno));
	if (vg_loader_set_interest(&a->loader, want) < 0)
		return vg_cli_error("cannot write the interest map: %s", strerror(errno));
	if (vg_reader_open(&a->reader, &a->loader, vg_pipeline_record, &a->pipe) < 0)
		return vg_cli_error("cannot open the ring buffer: %s", strerror(errno));
	if (want[VG_EV_INTEGRITY] && a->o.integrity.interval > 0 &&
	    !(a->integrity = vg_integrity_start(&a->o.integrity, err, sizeof(err))))
		return vg_cli_error("cannot run the integrity checks: %s", err);
	{
		unsigned n = 0;

		for (unsigned t = 0; t < VG_EV__COUNT; t++)
			n += want[t] && vg_loader_event_ok(&a->loader, t);
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

		if (reload_requested) {
			reload_requested = 0;
			if (a->o.out.n_rules)
				reload(a);
			vg_sinks_reopen(&a->sinks);
		}
		if (vg_reader_poll(&a->reader, 20) < 0) {
			vg_cli_error("ring buffer poll failed: %s", strerror(errno));
			break;
		}
		vg_enforce_report(a->enforce, a->pipe.rules, a->pt, vg_pipeline_alert, &a->pipe);
		vg_integrity_take(a->integrity, vg_pipeline_record, &a->pipe);
		now = vg_now_boot_ns();
		vg_sinks_flush(&a->sinks, now);
		vg_watch_refresh(&a->watch, now);
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
	vg_integrity_take(a->integrity, vg_pipeline_record, &a->pipe);
	vg_enforce_report(a->enforce, a->pipe.rules, a->pt, vg_pipeline_alert, &a->pipe);
	stats(a, true);
	vg_sinks_flush(&a->sinks, vg_now_boot_ns());
}

int vg_cmd_run(int argc, char **argv)
{
	static struct agent a; /* large (decoded event arena): not on the stack */
	struct sigaction sa = { .sa_handler = on_signal };
	int rc = 1;

	if (parse_opts(argc, argv, &a.o) < 0 || vg_select_events(&a.o.out, a.print) < 0)
		return 2;
	if (vg_open_sinks(&a.sinks, &a.o.out, a.print) < 0) {
		vg_sinks_close(&a.sinks);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (start(&a) == 0) {
		a.started = vg_now_boot_ns();
		loop(&a);
		rc = 0;
	}
	vg_integrity_stop(a.integrity);
	vg_enforce_free(a.enforce);
	vg_reader_close(&a.reader);
	vg_loader_free(&a.loader);
	vg_sinks_close(&a.sinks);
	vg_recording_close(a.pipe.record);
	vg_proctable_free(a.pt);
	vg_ruleset_free(a.pipe.rules);
	return rc;
}

/* run.c — `vigil run`: the agent. Loads the hooks for the selected events, bootstraps the
 * process table from /proc, then drains the ring buffer through decode -> rules -> sinks
 * until SIGINT/SIGTERM or --duration, with periodic and final stats. The options come from
 * src/config (the config file, then the command line). SIGHUP reads them again and applies
 * what can change at run time, reloads the rules (the new set is built beside the old one
 * and swapped in only when it loads; the hooks follow the rules' interest without touching
 * the ring buffer, so nothing is lost) and reopens the sinks' files. The sensors are pinned
 * (src/loader/pin.h) unless --no-pin: a restarted agent takes them over with what they
 * recorded meanwhile; src/protect/ watches the agent itself. The integrity checks
 * (src/integrity) run on their own thread when the integrity event is wanted; the loop
 * takes their findings like ring records. */
#include <sys/types.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/pipeline.h"
#include "agent/setup.h"
#include "cli/cli.h"
#include "clock.h"
#include "config/options.h"
#include "decode/decode.h"
#include "enforce/enforce.h"
#include "host.h"
#include "integrity/integrity.h"
#include "loader/features.h"
#include "loader/loader.h"
#include "loader/watch.h"
#include "metrics/metrics.h"
#include "output/sink.h"
#include "output/stats.h"
#include "proc/procfs.h"
#include "protect/protect.h"
#include "reader/reader.h"
#include "reader/recording.h"
#include "reader/uevent.h"
#include "rules/rules.h"

struct agent {
	struct vg_run_opts o;
	int argc;
	char **argv; /* a reload reads the config file and the command line again */
	bool print[VG_EV__COUNT];
	struct vg_sinks sinks;
	struct vg_proctable *pt;
	struct vg_loader loader;
	struct vg_watch watch;
	struct vg_reader reader;
	struct vg_uevent uevent; /* usb_device_event's source */
	struct vg_pipeline pipe;
	struct vg_enforcer *enforce;
	struct vg_protect protect;
	struct vg_integrity_checks *integrity;
	bool loaded[VG_EV__COUNT];
	uint64_t started;
	struct vg_counters last_warned;
	struct vg_collector *metrics; /* NULL without metrics */
};

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/* What the kernel must build: what the sinks take, what the rules can match, and the
 * lifecycle events the process table lives on. */
static void interest_of(const struct agent *a, const struct vg_ruleset *rs, bool set[VG_EV__COUNT])
{
	uint64_t rules = rs ? vg_rules_interest(rs) : 0;

	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		set[t] = (rules >> t & 1) != 0;
	vg_sinks_interest(&a->sinks, set);
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		set[t] |= VG_LIFECYCLE(t);
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

/* The rules' kernel filter: what the kernel drops because no rule can match it. The types
 * a sink takes go whole (printed ones, and every captured one for the store, which keeps
 * every event as evidence), and so does everything when the run is recorded (a replay may
 * bring other rules) or with --no-kernel-filter. */
static void push_filter(struct agent *a, const struct vg_ruleset *rs)
{
	struct vg_kernel_filter kf;
	bool whole[VG_EV__COUNT] = { false };

	vg_rules_kernel_filter(rs, &kf);
	vg_sinks_interest(&a->sinks, whole);
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		whole[t] |= a->o.record != NULL || a->o.no_kernel_filter;
	if (vg_loader_set_filter(&a->loader, &kf, whole) < 0)
		fprintf(stderr, "vigil: cannot write the kernel filter (%s): every event reaches user space\n",
			strerror(errno));
	vg_kernel_filter_free(&kf);
}

/* Executables the kill rules pin are killed by the kernel at exec. */
static void push_kills(struct agent *a, const struct vg_ruleset *rs)
{
	const char *exes[256];
	int n = vg_rules_kill_exes(rs, exes, 256);

	vg_loader_kill_exes(&a->loader, exes, n);
}

static void reload_rules(struct agent *a)
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
	push_filter(a, rs); /* before the new rules' hooks attach: none sees the old filter */
	interest_of(a, rs, set);
	apply_interest(a, set);
	push_kills(a, rs);
	vg_ruleset_free(a->pipe.rules);
	a->pipe.rules = rs;
	fprintf(stderr, "vigil: rules reloaded: %d rules\n", vg_rules_counts(rs).rules);
}

/* The allowlists into the kernel, then the processes already running that they name;
 * -1 when some entry failed (each said on stderr; the others are in). */
static int add_allowlists(struct agent *a)
{
	int rc = 0;

	for (int i = 0; i < a->o.n_allow_exe; i++)
		if (vg_loader_allow_exe(&a->loader, a->o.allow_exe[i]) < 0)
			rc = vg_cli_error("--allow-exe %s: %s", a->o.allow_exe[i], strerror(errno));
	for (int i = 0; i < a->o.n_allow_cmd; i++)
		if (vg_loader_allow_cmdline(&a->loader, a->o.allow_cmd[i]) < 0)
			rc = vg_cli_error("--allow-cmdline %s: %s", a->o.allow_cmd[i], strerror(errno));
	if (a->o.n_allow_exe || a->o.n_allow_cmd)
		vg_loader_allow_running(&a->loader);
	return rc;
}

/* SIGHUP: the config file and the command line again; what can change at run time does
 * (src/config says which), then the rules reload. */
static void reload(struct agent *a)
{
	struct vg_run_opts next;

	if (vg_run_opts_load(a->argc, a->argv, &next) < 0) {
		fputs("vigil: the options did not reload; the running ones stay\n", stderr);
		vg_run_opts_free(&next);
	} else {
		vg_run_opts_reload(&a->o, &next);
		add_allowlists(a);
	}
	if (a->o.out.n_rules)
		reload_rules(a);
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

static struct vg_stats_extra stats_extra(struct agent *a, bool final)
{
	return (struct vg_stats_extra){
		.sinks = &a->sinks,
		.wall_ns = vg_boot_to_wall(vg_now_boot_ns()),
		.uptime_s = (double)(vg_now_boot_ns() - a->started) / 1e9,
		.proc_entries = vg_proctable_size(a->pt),
		.proc_evictions = vg_proctable_evictions(a->pt),
		.ring_size = a->o.kc.ring_size,
		.alerts = a->pipe.alerts,
		.final = final,
	};
}

static void stats(struct agent *a, bool final)
{
	struct vg_stats_extra x = stats_extra(a, final);
	struct vg_buf warn = { 0 };
	struct vg_enforce_stats deny;
	struct vg_integrity_stats integrity;

	vg_protect_stats(&a->protect, &x);
	x.alerts_suppressed = alerts_suppressed(a->pipe.rules, &x.regex_limits);
	if (vg_enforce_stats(a->enforce, &deny))
		x.deny = &deny;
	if (a->uevent.open)
		x.uevent = &a->uevent;
	if (vg_integrity_stats(a->integrity, &integrity))
		x.integrity = &integrity;
	vg_reader_refresh(&a->reader);
	if (vg_loss_warning(&warn, &a->reader.c, &a->last_warned)) {
		fputs(warn.p, stderr);
		a->last_warned = a->reader.c;
	}
	vg_buf_free(&warn);
	vg_sinks_stats(&a->sinks, &a->reader.c, &x);
}

static void metrics(struct agent *a, bool final)
{
	struct vg_stats_extra x = stats_extra(a, final);

	vg_reader_refresh(&a->reader);
	vg_collector_emit(a->metrics, &a->loader, &a->reader.c, &x, vg_reader_fill(&a->reader), &a->sinks);
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
	vg_protect_init(&a->protect, a->o.out.rules, a->o.out.n_rules, a->o.out.store);
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
	push_filter(a, a->pipe.rules);
	vg_loader_attach_types(&a->loader, want);
	vg_loader_report(&a->loader);
	if (add_allowlists(a) < 0)
		return -1;
	push_kills(a, a->pipe.rules);
	if (vg_watch_needed(a->loaded)) {
		const char *own[VG_OWN_FILES];
		int nown = vg_protect_own_paths(&a->protect, own, VG_OWN_FILES);

		if (vg_watch_init(&a->watch, &a->loader, a->o.watch, a->o.n_watch, own, (unsigned)nown) < 0)
			return vg_cli_error("cannot set up the file watch (its map, the I/O generation): %s", strerror(errno));
	}
	if (vg_loader_set_interest(&a->loader, want) < 0)
		return vg_cli_error("cannot write the interest map: %s", strerror(errno));
	vg_loader_go_live(&a->loader);
	if (vg_reader_open(&a->reader, &a->loader, vg_pipeline_record, &a->pipe) < 0)
		return vg_cli_error("cannot open the ring buffer: %s", strerror(errno));
	if (a->loaded[VG_EV_USB] && vg_uevent_open(&a->uevent) < 0)
		fprintf(stderr, "vigil: no event usb_device_event: cannot listen to the kernel's uevents: %s\n",
			strerror(errno));
	if (a->o.metrics_interval && !(a->metrics = vg_collector_new(&a->o.collect, &f)))
		return vg_cli_error("cannot run: the metrics could not start");
	vg_protect_start(&a->protect, &a->loader, &a->reader, &a->pipe, &a->sinks);
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
	/* start-up's transient memory (vmlinux BTF, the object files, the /proc scan) is free
	 * now, but held by the allocator until returned */
	malloc_trim(0);
	return 0;
}

static void loop(struct agent *a)
{
	uint64_t next_stats = a->started + (uint64_t)(a->o.stats_interval * 1e9);
	uint64_t next_metrics = a->started; /* a first snapshot at once: /metrics has values from the start */
	uint64_t deadline = a->o.duration > 0 ? a->started + (uint64_t)(a->o.duration * 1e9) : 0;
	uint64_t next_prune = a->started;

	while (!stop_requested) {
		uint64_t now;

		if (reload_requested) {
			reload_requested = 0;
			reload(a);
			vg_sinks_reopen(&a->sinks);
			/* the stats interval may have changed */
			next_stats = vg_now_boot_ns() + (uint64_t)(a->o.stats_interval * 1e9);
		}
		if (vg_reader_poll(&a->reader, 20) < 0) {
			vg_cli_error("ring buffer poll failed: %s", strerror(errno));
			break;
		}
		vg_uevent_poll(&a->uevent, vg_loader_event_ok(&a->loader, VG_EV_USB) ? &a->reader : NULL);
		vg_enforce_report(a->enforce, a->pipe.rules, a->pt, vg_pipeline_alert, &a->pipe);
		vg_integrity_take(a->integrity, vg_pipeline_record, &a->pipe);
		now = vg_now_boot_ns();
		vg_sinks_flush(&a->sinks, now);
		vg_watch_refresh(&a->watch, now, vg_protect_tamper, &a->protect);
		vg_watch_collect(&a->watch, now, vg_reader_take, &a->reader);
		vg_protect_tick(&a->protect, now);
		vg_proctable_reap(a->pt, now, (uint64_t)(a->o.proc_linger * 1e9));
		if (now >= next_prune) {
			vg_loader_prune_exes(&a->loader, now);
			next_prune = now + 5000000000ull;
		}
		if (deadline && now >= deadline)
			break;
		if (a->o.stats_interval > 0 && now >= next_stats) {
			stats(a, false);
			next_stats = now + (uint64_t)(a->o.stats_interval * 1e9);
		}
		if (a->metrics && now >= next_metrics) {
			metrics(a, false);
			next_metrics = now + (uint64_t)(a->o.metrics_interval * 1e9);
		}
	}
	/* stop the kernel side first, so the final counters and the drained ring agree */
	vg_loader_detach(&a->loader);
	vg_collector_detach(a->metrics);
	/* the watch's records are numbered too: taken first, so that the ring settles at once */
	vg_watch_collect(&a->watch, 0, vg_reader_take, &a->reader);
	vg_reader_settle(&a->reader);
	vg_integrity_take(a->integrity, vg_pipeline_record, &a->pipe);
	vg_enforce_report(a->enforce, a->pipe.rules, a->pt, vg_pipeline_alert, &a->pipe);
	/* written out first, so the final stats count every line but their own as delivered or lost */
	vg_sinks_flush(&a->sinks, vg_now_boot_ns());
	stats(a, true);
	if (a->metrics)
		metrics(a, true);
	vg_sinks_flush(&a->sinks, vg_now_boot_ns());
}

int vg_cmd_run(int argc, char **argv)
{
	static struct agent a; /* large (decoded event arena): not on the stack */
	struct sigaction sa = { .sa_handler = on_signal };
	int rc = 1;

	/* A fixed threshold: blocks of 128 KiB and more (vmlinux BTF, the kernel's symbol table,
	 * start-up's /proc scan) are mapped and unmapped on their own. glibc's default raises it
	 * after the first such free, and the next ones then stay in the heaps as free space: the
	 * agent's idle RSS was 62 MiB instead of 42. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	a.argc = argc;
	a.argv = argv;
	if (vg_run_opts_load(argc, argv, &a.o) < 0 || vg_select_events(&a.o.out, a.print) < 0)
		return 2;
	vg_host_set(a.o.host_name, a.o.host_id);
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
		rc = vg_protect_finish(&a.protect) ? 3 : 0; /* 3: some output was lost */
	}
	vg_integrity_stop(a.integrity);
	vg_enforce_free(a.enforce);
	vg_collector_free(a.metrics);
	vg_uevent_close(&a.uevent);
	vg_reader_close(&a.reader);
	vg_watch_free(&a.watch);
	vg_loader_free(&a.loader);
	vg_sinks_close(&a.sinks);
	vg_recording_close(a.pipe.record);
	vg_proctable_free(a.pt);
	vg_ruleset_free(a.pipe.rules);
	vg_run_opts_free(&a.o);
	vg_protect_free(&a.protect);
	return rc;
}

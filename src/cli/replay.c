/* replay.c — `vigil replay FILE`: a recording (`vigil run --record FILE`) through the same
 * pipeline `vigil run` uses (decode -> process table -> rules -> sinks) as fast as it
 * goes, then the throughput: the pipeline measured apart from any load generator, timed
 * until every sink has caught up (a store's writer thread included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "agent/pipeline.h"
#include "agent/setup.h"
#include "cli/cli.h"
#include "clock.h"
#include "output/stats.h"
#include "proc/proctable.h"
#include "reader/reader.h"
#include "reader/recording.h"
#include "rules/rules.h"

static void usage(FILE *f)
{
	fputs("usage: vigil replay FILE [options]\n" VG_OUTPUT_USAGE
	      "  --repeat N             replay the recording N times (default 1)\n"
	      "  --proc-cap N           process table capacity (default 32768)\n"
	      "The summary (records, events/s, CPU seconds) goes to stderr; with --format json it is\n"
	      "also the last stats line. Kill rules do not act on a replay.\n"
	      "sinks (--sink):\n",
	      f);
	vg_sinks_usage(f);
}

static double seconds(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vg_cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		VG_OUTPUT_LONGOPTS,
		{ "repeat", required_argument, NULL, 'n' },
		{ "proc-cap", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct vg_pipeline pipe; /* large: not on the stack */
	struct vg_output_opts out;
	struct vg_sinks sinks = { 0 };
	struct vg_reader counter = { 0 };
	struct vg_playback *pb;
	struct vg_proctable *pt;
	bool print[VG_EV__COUNT];
	unsigned long long repeat = 1, cap = 32768;
	double wall, cpu;
	char err[300];
	int c, rc = 1;

	vg_output_opts_init(&out);
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:e:p:h", longopts, NULL)) != -1) {
		int taken = vg_output_opt(&out, c, optarg);

		if (taken < 0)
			return 2;
		if (taken == 0)
			continue;
		if (c == 'n' && vg_parse_uint("--repeat", optarg, 1, 1000000, &repeat) == 0)
			continue;
		if (c == 'c' && vg_parse_uint("--proc-cap", optarg, 16, 1u << 22, &cap) == 0)
			continue;
		if (c == 'n' || c == 'c')
			return 2;
		usage(c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (!(pb = vg_playback_open(argv[optind], err, sizeof(err))))
		return vg_cli_error("%s", err), 1;
	vg_clock_replay(vg_playback_clock_offset(pb), vg_playback_host(pb));
	if (vg_select_events(&out, print) < 0) {
		vg_playback_close(pb);
		return 2;
	}
	pt = vg_proctable_new((unsigned)cap);
	vg_pipeline_init(&pipe, pt, &sinks, false);
	if (!pt || vg_open_sinks(&sinks, &out, print) < 0)
		goto done;
	vg_proctable_offline(pt);
	if (out.n_rules && !(pipe.rules = vg_load_rules(&out)))
		goto done;
	counter.fn = vg_pipeline_record;
	counter.ctx = &pipe;
	wall = seconds(CLOCK_MONOTONIC);
	cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned long i = 0; i < repeat; i++) {
		const void *rec;
		size_t size;

		vg_playback_rewind(pb);
		while ((rec = vg_playback_next(pb, &size))) {
			vg_reader_handle(&counter, rec, size);
			if ((counter.c.received_total & 1023) == 0)
				vg_sinks_flush(&sinks, 0);
		}
	}
	vg_sinks_flush(&sinks, 0);
	vg_sinks_drain(&sinks);
	wall = seconds(CLOCK_MONOTONIC) - wall;
	cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	{
		struct vg_stats_extra x = { .sinks = &sinks, .wall_ns = vg_boot_to_wall(0), .uptime_s = wall,
					    .proc_entries = vg_proctable_size(pipe.pt),
					    .proc_evictions = vg_proctable_evictions(pipe.pt), .alerts = pipe.alerts,
					    .final = true };

		counter.c.kernel_seq = counter.c.received_total + counter.c.malformed;
		vg_counters_settle(&counter.c);
		vg_sinks_stats(&sinks, &counter.c, &x);
		vg_sinks_flush(&sinks, 0);
	}
	fprintf(stderr,
		"vigil: replayed %llu records (%llu malformed, %zu torn bytes at the end) in %.3f s: %.0f events/s, "
		"%.3f CPU s (%.0f events per CPU second), %llu alerts\n",
		(unsigned long long)(counter.c.received_total + counter.c.malformed),
		(unsigned long long)counter.c.malformed, vg_playback_torn(pb), wall,
		wall > 0 ? (double)counter.c.received_total / wall : 0, cpu,
		cpu > 0 ? (double)counter.c.received_total / cpu : 0, (unsigned long long)pipe.alerts);
	rc = 0;
done:
	vg_sinks_close(&sinks);
	vg_proctable_free(pipe.pt);
	vg_ruleset_free(pipe.rules);
	vg_playback_close(pb);
	return rc;
}

/* collect.c — `vigil collect`: options for src/fleet/collect.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "fleet/collect.h"
#include "units.h"

static void usage(FILE *f)
{
	fputs("usage: vigil collect --nats nats://HOST:PORT[,HOST:PORT...] (--store PATH | --clickhouse URL | --output PATH|-)\n"
	      "  --nats URL             the JetStream servers (any of a cluster)\n"
	      "  --stream NAME          the stream the agents publish to (default VIGIL)\n"
	      "  --subject SUBJECT      what to consume (default vigil.>)\n"
	      "  --durable NAME         the durable consumer: collectors sharing it share the work\n"
	      "                         (default vigil-collect)\n"
	      "  --store PATH[,OPT=V]   the SQLite evidence store, one for the fleet: `vigil incidents`,\n"
	      "                         `show` and `query` work on it across hosts (a small fleet);\n"
	      "                         max-bytes=SIZE, max-age=DURATION (retention, default 1G, 7d),\n"
	      "                         window=DURATION (incidents, default 30m)\n"
	      "  --clickhouse URL       ClickHouse HTTP interface, http://HOST:8123[/?database=vigil]\n"
	      "  --output PATH|-        JSON lines, one record per line (no deduplication)\n"
	      "  --replicas N           replicas of the stream if collect creates it (default 1)\n"
	      "  --batch N              messages per fetch and commit (default 1000)\n"
	      "  --duration TIME        stop after TIME (default: on SIGINT/SIGTERM)\n"
	      "  --idle TIME            stop once no message came for TIME\n"
	      "  --stats-interval TIME  a collect_stats line every TIME (default 10s) and at exit\n",
	      f);
}

static int duration(const char *v, double *out)
{
	uint64_t ns;

	if (!vg_parse_duration_ns(v, &ns))
		return -1;
	*out = (double)ns / 1e9;
	return 0;
}

int vg_cmd_collect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nats", required_argument, NULL, 'n' },       { "stream", required_argument, NULL, 's' },
		{ "subject", required_argument, NULL, 'j' },    { "durable", required_argument, NULL, 'u' },
		{ "clickhouse", required_argument, NULL, 'k' }, { "output", required_argument, NULL, 'o' },
		{ "store", required_argument, NULL, 'T' },
		{ "replicas", required_argument, NULL, 'r' },   { "batch", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },   { "idle", required_argument, NULL, 'i' },
		{ "stats-interval", required_argument, NULL, 'S' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vg_collect_opts o = { .stream = "VIGIL", .subject = "vigil.>", .durable = "vigil-collect",
				     .stats_interval = 10, .batch = 1000, .replicas = 1 };
	int c, rc;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (vg_collect_servers(&o, optarg) < 0)
				return vg_cli_error("--nats takes nats://HOST:PORT[,HOST:PORT...] (at most %d), not '%s'",
						    VG_COLLECT_SERVERS, optarg), 2;
			break;
		case 's': o.stream = optarg; break;
		case 'j': o.subject = optarg; break;
		case 'u':
			if (strchr(optarg, '.') || !*optarg)
				return vg_cli_error("--durable: a name without '.'"), 2;
			o.durable = optarg;
			break;
		case 'k':
		case 'o':
		case 'T':
			if (o.writer)
				return vg_cli_error("one store: --store, --clickhouse or --output"), 2;
			o.writer = c == 'k' ? &vg_fleet_clickhouse : c == 'T' ? &vg_fleet_store : &vg_fleet_jsonl;
			o.target = optarg;
			break;
		case 'r':
			o.replicas = strtoull(optarg, &end, 10);
			if (*end || !o.replicas || o.replicas > 5)
				return vg_cli_error("--replicas takes 1 to 5, not '%s'", optarg), 2;
			break;
		case 'b':
			o.batch = (int)strtol(optarg, &end, 10);
			if (*end || o.batch < 1 || o.batch > 100000)
				return vg_cli_error("--batch takes 1 to 100000, not '%s'", optarg), 2;
			break;
		case 'd':
		case 'i':
		case 'S':
			if (duration(optarg, c == 'd' ? &o.duration : c == 'i' ? &o.idle : &o.stats_interval) < 0)
				return vg_cli_error("%s takes a duration (30, 30s, 5m), not '%s'", argv[optind - 2], optarg), 2;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return vg_cli_error("unexpected argument '%s'", argv[optind]), 2;
	if (!o.nservers || !o.writer) {
		usage(stderr);
		return 2;
	}
	rc = vg_collect_run(&o);
	for (int i = 0; i < o.nservers; i++)
		free(o.servers[i]);
	return rc;
}

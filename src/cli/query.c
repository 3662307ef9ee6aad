/* query.c — `vigil query`: the analyst's questions to a store (src/store/query.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "store/query.h"
#include "store/store.h"

static void usage(FILE *f)
{
	fputs("usage: vigil query [--store PATH] [--format text|json] [--since T] [--until T] [--limit N] QUESTION\n"
	      "  tree EXEC_ID        everything a process and its descendants did\n"
	      "  file PATH           who created, wrote, renamed, linked, read, executed a file (PATH may\n"
	      "                      be a glob with *)\n"
	      "  flow ADDR[:PORT]    which processes owned connections with that endpoint\n"
	      "  session ID          everything in a login session (its name, or a session id number)\n"
	      "  persistence         writes to cron, systemd, init, shell profiles, authorized_keys,\n"
	      "                      ld.so, PAM, account and autostart files\n"
	      "  events [--event TYPE] [--host NAME|ID]  stored events (of one host: its name or id)\n"
	      "  stats [--check]     what the store holds, its runs and what they lost, retention;\n"
	      "                      --check also verifies the file (SQLite quick_check)\n"
	      "  --store PATH        the store (default " VG_STORE_DEFAULT_PATH ")\n"
	      "  --since T, --until T  2026-12-01T10:00:00Z, epoch seconds, or an age: 15m, 2h, 7d\n"
	      "  --limit N           at most N events (default 1000)\n",
	      f);
}

int vg_cmd_query(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' }, { "format", required_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 'S' }, { "until", required_argument, NULL, 'U' },
		{ "limit", required_argument, NULL, 'l' }, { "event", required_argument, NULL, 'e' },
		{ "host", required_argument, NULL, 'H' },  { "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
	};
	struct vg_query q = { .limit = 1000 };
	const char *path = NULL;
	char err[4400];
	struct vg_store *st;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:f:S:U:l:e:H:ch", longopts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return vg_cli_error("--format must be text or json, not '%s'", optarg), 2;
			q.json = strcmp(optarg, "json") == 0;
			break;
		case 'S':
		case 'U': {
			uint64_t t = vg_store_parse_time(optarg, err, sizeof(err));

			if (!t)
				return vg_cli_error("--%s: %s", c == 'S' ? "since" : "until", err), 2;
			*(c == 'S' ? &q.since : &q.until) = t;
			break;
		}
		case 'l':
			q.limit = atoi(optarg);
			if (q.limit <= 0)
				return vg_cli_error("--limit takes a positive number, not '%s'", optarg), 2;
			break;
		case 'e': q.event = optarg; break;
		case 'H': q.host = optarg; break;
		case 'c': q.check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	q.what = argv[optind++];
	if (!strcmp(q.what, "tree") || !strcmp(q.what, "file") || !strcmp(q.what, "flow") || !strcmp(q.what, "session")) {
		if (optind != argc - 1)
			return vg_cli_error("query %s takes one argument (see vigil query --help)", q.what), 2;
		q.arg = argv[optind++];
	}
	if (optind < argc)
		return vg_cli_error("unexpected argument '%s'", argv[optind]), 2;
	if (!(st = vg_cli_store(path)))
		return 1;
	rc = vg_store_query(st, &q, stdout, err, sizeof(err));
	if (rc < 0)
		vg_cli_error("%s", err);
	vg_store_close(st);
	return rc < 0 ? 1 : 0;
}

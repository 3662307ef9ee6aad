/* incidents.c — `vigil incidents`: the open incidents of a store, highest score first. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "incident/render.h"
#include "store/store.h"

static void usage(FILE *f)
{
	fputs("usage: vigil incidents [--store PATH] [--format text|json] [--all] [--limit N] [--host NAME|ID]\n"
	      "  --store PATH      the store `vigil run --store` writes (default " VG_STORE_DEFAULT_PATH ")\n"
	      "  --format FMT      text (default) or json: an array of incidents, each with id, score,\n"
	      "                    priority, tactics, hosts, first, last, count, open, scopes and alerts\n"
	      "                    (rule, priority, count, first, last, evidence event ids, processes)\n"
	      "  --all             closed incidents too (their last alert is older than the window)\n"
	      "  --limit N         at most N incidents\n"
	      "  --host NAME|ID    those with an alert on that host (a fleet store: `vigil collect --store`)\n",
	      f);
}

int vg_cmd_incidents(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' }, { "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },        { "limit", required_argument, NULL, 'l' },
		{ "host", required_argument, NULL, 'H' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *host = NULL;
	bool json = false, all = false;
	struct vg_incident *incs;
	struct vg_store *st;
	int c, n, limit = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:f:al:H:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': path = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return vg_cli_error("--format must be text or json, not '%s'", optarg), 2;
			json = strcmp(optarg, "json") == 0;
			break;
		case 'a': all = true; break;
		case 'l': limit = atoi(optarg); break;
		case 'H': host = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return vg_cli_error("unexpected argument '%s'", argv[optind]), 2;
	if (!(st = vg_cli_store(path)))
		return 1;
	if (vg_incidents_load(st, all, limit, host, &incs, &n) < 0) {
		vg_store_close(st);
		return vg_cli_error("cannot read the incidents"), 1;
	}
	if (json) {
		struct vg_buf b = { 0 };

		vg_buf_putc(&b, '[');
		for (int i = 0; i < n; i++) {
			if (i)
				vg_buf_putc(&b, ',');
			vg_render_incident_json(&b, &incs[i]);
		}
		vg_buf_puts(&b, "]\n");
		fwrite(b.p, 1, b.len, stdout);
		vg_buf_free(&b);
	} else {
		vg_render_incidents_text(stdout, incs, n, isatty(STDOUT_FILENO));
	}
	vg_incidents_free(incs, n);
	vg_store_close(st);
	return 0;
}

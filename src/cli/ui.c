/* ui.c — `vigil ui`: the store in a browser (src/ui/). */
#include <getopt.h>
#include <stdio.h>
#include "cli/cli.h"
#include "store/store.h"
#include "ui/ui.h"

static void usage(FILE *f)
{
	fputs("usage: vigil ui [--store PATH] [--listen ADDR:PORT] [--token]\n"
	      "  --store PATH      the store `vigil run --store` writes (default " VG_STORE_DEFAULT_PATH "),\n"
	      "                    opened read-only: the UI runs next to the agent\n"
	      "  --listen A:P      where to listen (default " VG_UI_DEFAULT_LISTEN "; port 0 picks a free one);\n"
	      "                    an address beyond loopback needs --token\n"
	      "  --token           every request needs the token printed at start (?token=, then a\n"
	      "                    cookie); without it the token is accepted, and loopback is served\n"
	      "                    to a browser that names the loopback address\n"
	      "Serves the incident list, each incident's attack path (SVG: zoom, pan, a click shows a\n"
	      "node's events), timeline and evidence, and every event with its context. Stops on\n"
	      "SIGINT or SIGTERM.\n",
	      f);
}

int vg_cmd_ui(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' }, { "listen", required_argument, NULL, 'l' },
		{ "token", no_argument, NULL, 't' },      { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vg_ui_config cfg = { .store = VG_STORE_DEFAULT_PATH, .listen = VG_UI_DEFAULT_LISTEN };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:l:th", longopts, NULL)) != -1) {
		switch (c) {
		case 's': cfg.store = optarg; break;
		case 'l': cfg.listen = optarg; break;
		case 't': cfg.token = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return vg_cli_error("unexpected argument '%s'", argv[optind]), 2;
	return vg_ui_run(&cfg);
}

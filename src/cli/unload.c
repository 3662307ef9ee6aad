/* unload.c — `vigil unload`: removes the sensors a pinned agent left running (pin.h): every
 * link detaches, every map goes once nothing uses it. Refused while an agent runs on them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli/cli.h"
#include "loader/pin.h"

static void usage(FILE *f)
{
	fputs("usage: vigil unload [--pin-dir DIR]\n"
	      "  removes the sensors pinned in DIR (default " VG_PIN_DIR "), which keep recording after\n"
	      "  `vigil run` ends; refused while an agent runs on them\n",
	      f);
}

int vg_cmd_unload(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = VG_PIN_DIR;
	char err[512];
	int c, maps, links;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		vg_cli_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (vg_pins_unload(dir, &maps, &links, err, sizeof(err)) < 0) {
		vg_cli_error("unload: %s", err);
		return 1;
	}
	if (!maps && !links)
		fprintf(stderr, "vigil: nothing pinned in %s\n", dir);
	else
		fprintf(stderr, "vigil: unloaded %d links and %d maps from %s\n", links, maps, dir);
	return 0;
}

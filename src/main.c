/* main.c — the vigil command: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "rules/rules.h"

static void usage(FILE *f)
{
	fputs("usage: vigil COMMAND [options]\n"
	      "  run       load the sensors and stream events (root)\n"
	      "  probes    kernel facts and the mechanism each event uses here\n"
	      "  replay    a recording (run --record FILE) through the pipeline, with its throughput\n"
	      "  rules     check FILE|DIR... | list [--rules PATH] | fields\n"
	      "  trace     TOOL [options]: execsnoop, opensnoop, tcplife, ... (--list) (root)\n"
	      "  top       live view of processes and containers (root)\n"
	      "Run `vigil COMMAND --help` for a command's options.\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "run") == 0)
		return vg_cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "probes") == 0)
		return vg_cmd_probes(argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return vg_cmd_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "trace") == 0)
		return vg_cmd_trace(argc - 1, argv + 1);
	if (strcmp(argv[1], "top") == 0)
		return vg_cmd_top(argc - 1, argv + 1);
	if (strcmp(argv[1], "rules") == 0 && argc > 2) {
		if (strcmp(argv[2], "check") == 0)
			return vg_rules_cmd_check(argc - 2, argv + 2);
		if (strcmp(argv[2], "list") == 0)
			return vg_rules_cmd_list(argc - 2, argv + 2);
		if (strcmp(argv[2], "fields") == 0)
			return vg_rules_cmd_fields(argc - 2, argv + 2);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "vigil: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

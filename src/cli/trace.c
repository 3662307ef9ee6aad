/* trace.c — `vigil trace TOOL [options]` and `vigil trace --list`: dispatch to the tool
 * framework (src/tools/). */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "tools/tools.h"

static void usage(FILE *f)
{
	const struct vg_tool *tool;

	fputs("usage: vigil trace TOOL [options]   (vigil trace TOOL --help for its options)\n"
	      "       vigil trace --list [--format json]   tools and the mechanism each uses here\n"
	      "       vigil trace --markdown               the reference docs/tools.md embeds\n"
	      "tools:",
	      f);
	for (size_t i = 0; (tool = vg_tool_at(i)); i++)
		fprintf(f, " %s", tool->name);
	fputc('\n', f);
}

int vg_cmd_trace(int argc, char **argv)
{
	const struct vg_tool *tool;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--list") == 0)
		return vg_tool_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "--markdown") == 0) {
		vg_tool_markdown(stdout, &vg_top);
		return 0;
	}
	if (!(tool = vg_tool_find(argv[1]))) {
		fprintf(stderr, "vigil: no tool '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return vg_tool_main(tool, argc - 1, argv + 1);
}

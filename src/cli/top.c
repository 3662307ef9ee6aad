/* top.c — `vigil top`: the live process and container view (src/tools/top.c). */
#include "cli/cli.h"
#include "tools/tools.h"

int vg_cmd_top(int argc, char **argv)
{
	return vg_tool_main(&vg_top, argc, argv);
}

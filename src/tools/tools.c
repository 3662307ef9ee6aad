/* tools.c — the table of `vigil trace` tools: each tool file defines one struct vg_tool,
 * and this list is the only place that names them all. */
#include <string.h>
#include "tools/tool.h"
#include "tools/tools.h"

static const struct vg_tool *const tools[] = {
#define VG_TOOL_ROW(name) &vg_tool_##name,
	VG_TOOLS(VG_TOOL_ROW)
#undef VG_TOOL_ROW
};

const struct vg_tool *vg_tool_at(size_t i)
{
	return i < sizeof(tools) / sizeof(tools[0]) ? tools[i] : NULL;
}

const struct vg_tool *vg_tool_find(const char *name)
{
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (strcmp(tools[i]->name, name) == 0)
			return tools[i];
	return NULL;
}

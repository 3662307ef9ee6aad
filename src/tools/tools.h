/* tools.h — every `vigil trace` tool, in the order `vigil trace --list` shows them. */
#ifndef VIGIL_TOOLS_H
#define VIGIL_TOOLS_H

#include "tools/tool.h"

#define VG_TOOLS(X)                                                                        \
	X(execsnoop) X(opensnoop) X(statsnoop) X(killsnoop) X(setuids) X(capable) X(oomkill) \
	X(pidpersec) X(syncsnoop) X(syscount) X(threadsnoop) \
	X(tcpconnect) X(tcpaccept) X(tcplife) X(biolatency) \
	X(filelife) X(filetop) X(bashreadline)

#define VG_TOOL_DECLARE(name) extern const struct vg_tool vg_tool_##name;
VG_TOOLS(VG_TOOL_DECLARE)
#undef VG_TOOL_DECLARE

/* `vigil top`, a command of its own on the same framework (src/tools/top.c). */
extern const struct vg_tool vg_top;

#endif

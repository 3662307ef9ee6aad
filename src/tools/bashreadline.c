/* bashreadline.c — `vigil trace bashreadline`: commands typed into interactive bash, as
 * libbpf-tools' bashreadline prints them: TIME PID COMMAND. -s names the shell (or the
 * libreadline) to probe. */
#include <string.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/bashreadline.h"
#include "bashreadline.skel.h"

static struct vg_uprobe_target readline = { "bash", "readline", true };

enum { C_TIME, C_PID, C_CONTEXT, C_COMMAND, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -9 },
	[C_PID] = { "PID", "pid", -7 },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_COMMAND] = { "COMMAND", "command", 0 },
};

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	if (opt == 's')
		readline.binary = arg;
	return 0;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_bashreadline *b = vg_rec_body(h);
	size_t len = 0;
	const char *line = vg_rec_str(t, h, b->line, &len);

	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_cell_strn(t, C_COMMAND, line ? line : "", line ? len : 0);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct bashreadline_bpf *obj = bashreadline_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 ||
	    vg_tool_uprobe(t, obj->progs.vg_tool_bashreadline_readline_uretprobe, &readline) < 0)
		goto out;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing bash commands", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_bashreadline) });
out:
	vg_tool_done(t, rc);
	bashreadline_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_bashreadline = {
	.name = "bashreadline",
	.summary = "commands typed into interactive bash (uretprobe on readline)",
	.usage = "  -s, --shared PATH      the bash (or libreadline) to probe (default: bash, found in /usr/bin, /bin, ...)\n",
	.shortopts = "s:",
	.longopts = (const struct option[]){ { "shared", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 } },
	.elf_bytes = bashreadline_bpf__elf_bytes,
	.option = option,
	.run = run,
	.uprobe = &readline,
};

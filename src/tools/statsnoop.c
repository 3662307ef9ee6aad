/* statsnoop.c — `vigil trace statsnoop`: stat-family calls, as libbpf-tools' statsnoop
 * prints them: [TIME(s)] PID COMM RET ERR PATH. */
#include <string.h>
#include "tools/tool.h"
#include "tools/statsnoop.h"
#include "statsnoop.skel.h"

static struct {
	bool timestamp, failed;
} env;

enum { C_TS, C_PID, C_COMM, C_RET, C_ERR, C_CALL, C_CONTEXT, C_PATH, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TS] = { "TIME(s)", "time_s", -14, true },
	[C_PID] = { "PID", "pid", -7 },
	[C_COMM] = { "COMM", "comm", -20 },
	[C_RET] = { "RET", "ret", -4 },
	[C_ERR] = { "ERR", "err", -4 },
	[C_CALL] = { "CALL", "syscall", -10, true },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_PATH] = { "PATH", "path", 0 },
};

static const char *const call_names[] = {
#define VG_STAT_NAME(e, name) [VG_STAT_##e] = name,
	VG_STAT_CALLS(VG_STAT_NAME)
#undef VG_STAT_NAME
};

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	if (opt == 't')
		env.timestamp = true;
	else if (opt == 'x')
		env.failed = true;
	return 0;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_statsnoop *o = vg_rec_body(h);
	size_t len = 0;
	const char *path = vg_rec_str(t, h, o->path.name, &len);

	if (env.failed && h->ret >= 0)
		return;
	vg_row_begin(t);
	vg_cell_elapsed(t, C_TS, h->ts, 9);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_RET, h->ret >= 0 ? h->ret : -1);
	vg_cell_int(t, C_ERR, h->ret >= 0 ? 0 : -h->ret);
	vg_cell_str(t, C_CALL, o->call < sizeof(call_names) / sizeof(call_names[0]) ? call_names[o->call] : "?");
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_cell_strn(t, C_PATH, path ? path : "", path ? len : 0);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct statsnoop_bpf *obj = statsnoop_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_TS].off = !env.timestamp && !t->json;
	cols[C_CALL].off = !t->json;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing stat syscalls", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_statsnoop) });
out:
	vg_tool_done(t, rc);
	statsnoop_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_statsnoop = {
	.name = "statsnoop",
	.summary = "stat-family calls (statfs, stat, lstat, fstatat, statx), with the path",
	.usage = "  -t, --timestamp        print seconds since tracing began\n"
		 "  -x, --failed           only failed calls\n",
	.shortopts = "tx",
	.longopts = (const struct option[]){ { "timestamp", no_argument, NULL, 't' },
					     { "failed", no_argument, NULL, 'x' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = statsnoop_bpf__elf_bytes,
	.option = option,
	.run = run,
};

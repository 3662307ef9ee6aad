/* syncsnoop.c — `vigil trace syncsnoop`: sync-family calls, as libbpf-tools' syncsnoop
 * prints them: TIME(s) COMM CALL (and PID). */
#include <string.h>
#include "tools/tool.h"
#include "tools/syncsnoop.h"
#include "syncsnoop.skel.h"

enum { C_TS, C_PID, C_COMM, C_CONTEXT, C_CALL, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TS] = { "TIME(s)", "time_s", -18 },
	[C_PID] = { "PID", "pid", -7 },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_CALL] = { "CALL", "call", 0 },
};

static const char *const call_names[] = {
#define VG_SYNC_NAME(e, name) [VG_SYNC_##e] = name,
	VG_SYNC_CALLS(VG_SYNC_NAME)
#undef VG_SYNC_NAME
};

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	vg_row_begin(t);
	vg_cell_elapsed(t, C_TS, h->ts, 9);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_cell_str(t, C_CALL, h->type < sizeof(call_names) / sizeof(call_names[0]) ? call_names[h->type] : "?");
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct syncsnoop_bpf *obj = syncsnoop_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing sync syscalls", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) });
out:
	vg_tool_done(t, rc);
	syncsnoop_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_syncsnoop = {
	.name = "syncsnoop",
	.summary = "calls that flush data to disk: sync, syncfs, fsync, fdatasync, msync, sync_file_range",
	.elf_bytes = syncsnoop_bpf__elf_bytes,
	.shortopts = "",
	.run = run,
};

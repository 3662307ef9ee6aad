/* threadsnoop.c — `vigil trace threadsnoop`: new threads, as bpftrace's threadsnoop.bt
 * prints them: TIME(ms) PID COMM FUNC (the start routine's symbol). */
#include <stdio.h>
#include <string.h>
#include "loader/elf.h"
#include "tools/tool.h"
#include "tools/threadsnoop.h"
#include "threadsnoop.skel.h"

static const struct vg_uprobe_target pthread_create = { "libc.so.6", "pthread_create", false };

enum { C_TIME, C_PID, C_COMM, C_CONTEXT, C_FUNC, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME(ms)", "time_ms", -15 },
	[C_PID] = { "PID", "pid", -7 },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_FUNC] = { "FUNC", "func", 0 },
};

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_threadsnoop *e = vg_rec_body(h);
	const char *file = vg_rec_path(t, h, e->file);
	char name[256], func[320];
	uint64_t delta = 0;

	if (file && vg_elf_symbolize(file, e->file_offset, name, sizeof(name), &delta))
		snprintf(func, sizeof(func), delta ? "%s+0x%llx" : "%s", name, (unsigned long long)delta);
	else
		snprintf(func, sizeof(func), "0x%llx", (unsigned long long)e->func);
	vg_row_begin(t);
	vg_cell_int(t, C_TIME, h->ts > t->start_ns ? (long long)((h->ts - t->start_ns) / 1000000) : 0);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_cell_str(t, C_FUNC, func);
	if (file)
		vg_json_member_str(t, "file", file);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct threadsnoop_bpf *obj = threadsnoop_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 ||
	    vg_tool_uprobe(t, obj->progs.vg_tool_threadsnoop_pthread_create, &pthread_create) < 0)
		goto out;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing new threads", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_threadsnoop) });
out:
	vg_tool_done(t, rc);
	threadsnoop_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_threadsnoop = {
	.name = "threadsnoop",
	.summary = "new threads (pthread_create in libc), with their start function",
	.elf_bytes = threadsnoop_bpf__elf_bytes,
	.shortopts = "",
	.run = run,
	.uprobe = &pthread_create,
};

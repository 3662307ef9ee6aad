/* setuids.c — `vigil trace setuids`: privilege changes by the setuid family, as bpftrace's
 * setuids.bt prints them: TIME PID COMM UID SYSCALL ARGS (RET). */
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/setuids.h"
#include "setuids.skel.h"

enum { C_TIME, C_PID, C_COMM, C_UID, C_SYSCALL, C_CONTEXT, C_ARGS, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -8 },
	[C_PID] = { "PID", "pid", -6 },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_UID] = { "UID", "uid", -6 },
	[C_SYSCALL] = { "SYSCALL", "syscall", -9 },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_ARGS] = { "ARGS (RET)", "args", 0 },
};

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	static const char *const names[] = { "setuid", "setresuid", "setfsuid" };
	const struct vg_setuids *u = vg_rec_body(h);
	char args[128];

	if (u->call == VG_SETRESUID)
		snprintf(args, sizeof(args), "ruid=%d euid=%d suid=%d (%d)", (int)u->args[0], (int)u->args[1],
			 (int)u->args[2], h->ret);
	else if (u->call == VG_SETFSUID) /* it returns the previous fsuid, not an error */
		snprintf(args, sizeof(args), "uid=%d (prevfsuid=%d)", (int)u->args[0], h->ret);
	else
		snprintf(args, sizeof(args), "uid=%d (%d)", (int)u->args[0], h->ret);
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_UID, u->uid);
	vg_cell_str(t, C_SYSCALL, names[u->call % 3]);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, u->uid);
	vg_cell_str(t, C_ARGS, args);
	if (t->json) {
		char ret[16];

		snprintf(ret, sizeof(ret), "%d", h->ret);
		vg_json_member(t, "ret", ret);
	}
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct setuids_bpf *obj = setuids_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing setuid(2) family syscalls",
							 .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_setuids) });
out:
	vg_tool_done(t, rc);
	setuids_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_setuids = {
	.name = "setuids",
	.summary = "privilege changes: setuid, setresuid, setfsuid, with the uid before and the result",
	.elf_bytes = setuids_bpf__elf_bytes,
	.shortopts = "",
	.run = run,
};

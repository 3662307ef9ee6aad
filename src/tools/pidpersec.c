/* pidpersec.c — `vigil trace pidpersec`: new processes and threads per second, as
 * bpftrace's pidpersec.bt prints them: "HH:MM:SS PIDs/sec: N". */
#include <time.h>
#include "clock.h"
#include "loader/mapread.h"
#include "tools/tool.h"
#include "pidpersec.skel.h"

enum { C_TIME, C_RATE, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -8 },
	[C_RATE] = { "PIDs/sec", "pids_per_sec", 0 },
};

static struct pidpersec_bpf *obj;

static void on_interval(struct vg_tool_ctx *t)
{
	__u32 zero = 0;
	uint64_t n = vg_percpu_sum(obj->maps.vg_pidpersec_forks, &zero, 1);

	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(vg_now_boot_ns()));
	vg_cell_int(t, C_RATE, (long long)n);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	int rc = -1;

	if (!(obj = pidpersec_bpf__open()))
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_choose(t, obj->progs.vg_tool_pidpersec_sched_process_fork_btf,
			   obj->progs.vg_tool_pidpersec_sched_process_fork_raw, NULL) < 0 ||
	    vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing new processes", .on_interval = on_interval,
							 .interval_s = 1 });
out:
	vg_tool_done(t, rc);
	pidpersec_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_pidpersec = {
	.name = "pidpersec",
	.summary = "new processes and threads per second (sched_process_fork)",
	.elf_bytes = pidpersec_bpf__elf_bytes,
	.shortopts = "",
	.run = run,
};

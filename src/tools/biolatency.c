/* biolatency.c — `vigil trace biolatency`: block I/O latency histograms, as libbpf-tools'
 * biolatency prints them (per disk with -D), every INTERVAL seconds or once at the end.
 * JSON: one object per histogram. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "output/json.h"
#include "tools/hist.h"
#include "loader/mapread.h"
#include "tools/tool.h"
#include "tools/biolatency.h"
#include "biolatency.skel.h"

/* vg_map_take_ended reads the first 32 bits. */
_Static_assert(offsetof(struct vg_biolatency_key, generation) == 0, "generation first");

static struct {
	struct vg_biolatency_cfg cfg;
	bool timestamp;
	double interval;
	unsigned count;
} env;

static struct biolatency_bpf *obj;
static struct vg_generation generation;

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	switch (opt) {
	case 'D': env.cfg.per_disk = 1; break;
	case 'Q': env.cfg.queued = 1; break;
	case 'm': env.cfg.ms = 1; break;
	case 'T': env.timestamp = true; break;
	}
	return 0;
}

/* "vda" for 254:0, from sysfs; the numbers when it is gone. */
static void disk_name(__u32 dev, char *out, size_t len)
{
	char link[64], target[512];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", dev >> 20, dev & 0xfffff);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(out, len, "%u:%u", dev >> 20, dev & 0xfffff);
		return;
	}
	target[n] = 0;
	snprintf(out, len, "%s", basename(target));
}

static void on_interval(struct vg_tool_ctx *t)
{
	static struct vg_biolatency_key disks[VG_BIOLATENCY_DISKS];
	static struct vg_hist hists[VG_BIOLATENCY_DISKS];
	const char *unit = env.cfg.ms ? "msecs" : "usecs";
	uint64_t now = vg_boot_to_wall(vg_now_boot_ns());
	char name[64], stamp[16];
	size_t n;

	vg_generation_turn(&generation);
	n = vg_map_take_ended(obj->maps.vg_biolatency_hists, &generation, disks, hists, VG_BIOLATENCY_DISKS);
	if (!t->json && env.timestamp) {
		vg_clock_text(now, stamp);
		vg_buf_printf(&t->out, "%-8s\n", stamp);
	}
	for (size_t i = 0; i < n; i++) {
		disk_name(disks[i].disk, name, sizeof(name));
		if (t->json) {
			vg_buf_puts(&t->out, "{\"time\":");
			vg_json_time(&t->out, now);
			if (env.cfg.per_disk) {
				vg_buf_puts(&t->out, ",\"disk\":");
				vg_json_cstr(&t->out, name);
			}
			vg_buf_putc(&t->out, ',');
			vg_hist_json(&t->out, hists[i].slots, VG_HIST_SLOTS, unit);
			vg_buf_puts(&t->out, "}\n");
			continue;
		}
		if (env.cfg.per_disk)
			vg_buf_printf(&t->out, "\ndisk = %s\n", name);
		vg_hist_text(&t->out, hists[i].slots, VG_HIST_SLOTS, unit);
	}
	if (!t->json && env.interval)
		vg_buf_putc(&t->out, '\n');
}

static int run(struct vg_tool_ctx *t)
{
	int rc = -1;

	if (vg_tool_interval_args(t, &env.interval, &env.count) < 0)
		return -1;
	if (!(obj = biolatency_bpf__open()))
		return vg_tool_error(t, "cannot open the BPF object");
	*(struct vg_biolatency_cfg *)&obj->rodata->vg_biolatency_cfg = env.cfg;
	if (vg_tool_choose(t, obj->progs.vg_tool_biolatency_block_rq_issue_btf,
			   obj->progs.vg_tool_biolatency_block_rq_issue_raw, NULL) < 0 ||
	    vg_tool_choose(t, obj->progs.vg_tool_biolatency_block_rq_complete_btf,
			   obj->progs.vg_tool_biolatency_block_rq_complete_raw, NULL) < 0)
		goto out;
	if (env.cfg.queued) {
		if (vg_tool_choose(t, obj->progs.vg_tool_biolatency_block_rq_insert_btf,
				   obj->progs.vg_tool_biolatency_block_rq_insert_raw, NULL) < 0)
			goto out;
	} else {
		bpf_program__set_autoload(obj->progs.vg_tool_biolatency_block_rq_insert_btf, false);
		bpf_program__set_autoload(obj->progs.vg_tool_biolatency_block_rq_insert_raw, false);
	}
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 ||
	    vg_tool_map_generation(t, &generation, VG_TOOL_GENERATION(obj)) < 0 || vg_tool_attach(t) < 0)
		goto out;
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing block device I/O", .on_interval = on_interval,
							 .interval_s = env.interval, .count = env.count });
out:
	vg_tool_done(t, rc);
	vg_generation_unmap(&generation);
	biolatency_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_biolatency = {
	.name = "biolatency",
	.summary = "block I/O latency as a log2 histogram (per disk with -D)",
	.usage = "  -D, --disk             a histogram per disk\n"
		 "  -Q, --queued           include the time queued in the kernel\n"
		 "  -m, --milliseconds     in milliseconds (default microseconds)\n"
		 "  -T, --timestamp        print the time with each histogram\n",
	.shortopts = "DQmT",
	.longopts = (const struct option[]){ { "disk", no_argument, NULL, 'D' },
					     { "queued", no_argument, NULL, 'Q' },
					     { "milliseconds", no_argument, NULL, 'm' },
					     { "timestamp", no_argument, NULL, 'T' },
					     { NULL, 0, NULL, 0 } },
	.positional = "[INTERVAL [COUNT]]",
	.elf_bytes = biolatency_bpf__elf_bytes,
	.option = option,
	.run = run,
};

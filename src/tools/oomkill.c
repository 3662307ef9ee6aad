/* oomkill.c — `vigil trace oomkill`: OOM kills, as libbpf-tools' oomkill prints them:
 * "HH:MM:SS Triggered by PID N ("comm"), OOM kill of PID N ("comm"), N pages, loadavg: ..."
 * (pages: the victim's address space; libbpf-tools prints the OOM domain's size, which the
 * tracepoint does not carry). JSON: one object per kill. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/oomkill.h"
#include "oomkill.skel.h"

enum { C_TIME, C_TPID, C_TCOMM, C_VPID, C_VCOMM, C_PAGES, C_RSS, C_LOAD, C_CONTEXT, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", 0 },
	[C_TPID] = { "TPID", "trigger_pid", 0 },
	[C_TCOMM] = { "TCOMM", "trigger_comm", 0 },
	[C_VPID] = { "VPID", "victim_pid", 0 },
	[C_VCOMM] = { "VCOMM", "victim_comm", 0 },
	[C_PAGES] = { "PAGES", "pages", 0 },
	[C_RSS] = { "RSS", "rss_pages", 0 },
	[C_LOAD] = { "LOADAVG", "loadavg", 0 },
	[C_CONTEXT] = VG_COL_CONTEXT,
};

static void loadavg(char *buf, size_t size)
{
	int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_oomkill *o = vg_rec_body(h);
	char load[128];

	loadavg(load, sizeof(load));
	if (!t->json) {
		/* the libbpf-tools sentence; the time column writes its own padding */
		vg_row_begin(t);
		vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
		vg_buf_printf(&t->out, " Triggered by PID %u (\"%.16s\"), OOM kill of PID %u (\"%.16s\"), %llu pages, loadavg: %s",
			      h->pid, h->comm, o->victim_pid, o->victim_comm, (unsigned long long)o->pages, load);
		vg_row_end(t);
		return;
	}
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_int(t, C_TPID, h->pid);
	vg_cell_strn(t, C_TCOMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_VPID, o->victim_pid);
	vg_cell_strn(t, C_VCOMM, o->victim_comm, strnlen(o->victim_comm, sizeof(o->victim_comm)));
	vg_cell_int(t, C_PAGES, (long long)o->pages);
	vg_cell_int(t, C_RSS, (long long)o->rss);
	vg_cell_str(t, C_LOAD, load);
	vg_cell_context(t, C_CONTEXT, o->victim_pid, 0, 0, o->victim_uid);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct oomkill_bpf *obj = oomkill_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_choose(t, obj->progs.vg_tool_oomkill_mark_victim_btf, obj->progs.vg_tool_oomkill_mark_victim_raw,
			   NULL) < 0 ||
	    vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	t->cols = cols;
	t->ncols = C_COUNT;
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing OOM kills", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_oomkill) });
out:
	vg_tool_done(t, rc);
	oomkill_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_oomkill = {
	.name = "oomkill",
	.summary = "OOM kills: the victim, the task that triggered it, memory and load",
	.elf_bytes = oomkill_bpf__elf_bytes,
	.shortopts = "",
	.run = run,
};

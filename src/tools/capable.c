/* capable.c — `vigil trace capable`: capability checks, as libbpf-tools' capable prints
 * them: TIME UID PID [TID] COMM CAP NAME AUDIT VERDICT. The tracepoint does not carry the
 * audit option, so AUDIT is "-" and every check is shown (libbpf-tools hides non-audit
 * ones unless -v). */
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "decode/decode.h"
#include "tools/tool.h"
#include "tools/capable.h"
#include "capable.skel.h"

#define UNIQUE_MAX 4096

static struct {
	bool extra, unique;
} env;

enum { C_TIME, C_UID, C_PID, C_TID, C_COMM, C_CAP, C_NAME, C_AUDIT, C_VERDICT, C_NS, C_CONTEXT, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -9 },
	[C_UID] = { "UID", "uid", -6 },
	[C_PID] = { "PID", "pid", -6 },
	[C_TID] = { "TID", "tid", -6, true },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_CAP] = { "CAP", "cap", -4 },
	[C_NAME] = { "NAME", "name", -20 },
	[C_AUDIT] = { "AUDIT", "audit", -6 },
	[C_VERDICT] = { "VERDICT", "verdict", -7 },
	[C_NS] = { "USERNS", "userns_level", -6, true },
	[C_CONTEXT] = VG_COL_CONTEXT,
};

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	if (opt == 'x')
		env.extra = true;
	else if (opt == 'u')
		env.unique = true;
	return 0;
}

/* -u: each (pid, cap) once. */
static bool seen_before(uint32_t pid, int cap)
{
	static uint64_t seen[UNIQUE_MAX];
	uint64_t key = (uint64_t)pid << 8 | (unsigned)(cap & 0xff) | 1ull << 63;
	size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 52) % UNIQUE_MAX;

	for (size_t n = 0; n < UNIQUE_MAX; n++, i = (i + 1) % UNIQUE_MAX) {
		if (seen[i] == key)
			return true;
		if (!seen[i]) {
			seen[i] = key;
			return false;
		}
	}
	return false; /* full: show it */
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_capable *c = vg_rec_body(h);
	const char *name = vg_cap_name(c->cap);

	if (env.unique && seen_before(h->pid, c->cap))
		return;
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_int(t, C_UID, h->uid);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_int(t, C_TID, h->tid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_CAP, c->cap);
	vg_cell_str(t, C_NAME, name ? name : "?");
	vg_cell_str(t, C_AUDIT, t->json ? NULL : "-");
	vg_cell_str(t, C_VERDICT, h->ret == 0 ? "allow" : "deny");
	vg_cell_int(t, C_NS, c->ns_level);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct capable_bpf *obj = capable_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_choose(t, obj->progs.vg_tool_capable_cap_capable_btf, obj->progs.vg_tool_capable_cap_capable_raw,
			   NULL) < 0 ||
	    vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_TID].off = !env.extra && !t->json;
	cols[C_NS].off = !env.extra && !t->json;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing cap_capable", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_capable) });
out:
	vg_tool_done(t, rc);
	capable_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_capable = {
	.name = "capable",
	.summary = "capability checks (cap_capable), with the capability and the verdict",
	.usage = "  -x, --extra            print the thread id and the user namespace level too\n"
		 "  -u, --unique           each capability once per process\n",
	.shortopts = "xu",
	.longopts = (const struct option[]){ { "extra", no_argument, NULL, 'x' },
					     { "unique", no_argument, NULL, 'u' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = capable_bpf__elf_bytes,
	.option = option,
	.run = run,
};

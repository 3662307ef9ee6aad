/* killsnoop.c — `vigil trace killsnoop`: signals sent, as libbpf-tools' killsnoop prints
 * them: TIME PID COMM SIG TPID RESULT. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/killsnoop.h"
#include "killsnoop.skel.h"

static struct {
	bool failed;
	int sig;
} env;

enum { C_TIME, C_PID, C_COMM, C_SIG, C_TPID, C_RESULT, C_CALL, C_CONTEXT, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -8 },
	[C_PID] = { "PID", "pid", -6 },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_SIG] = { "SIG", "sig", -4 },
	[C_TPID] = { "TPID", "tpid", -6 },
	[C_RESULT] = { "RESULT", "ret", -6 },
	[C_CALL] = { "CALL", "syscall", -6, true },
	[C_CONTEXT] = VG_COL_CONTEXT,
};

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	char *end;

	if (opt == 'x') {
		env.failed = true;
	} else if (opt == 's') {
		env.sig = (int)strtol(arg, &end, 10);
		if (*end || env.sig <= 0 || env.sig >= 65)
			return vg_tool_error(t, "-s takes a signal number, not '%s'", arg);
	}
	return 0;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	static const char *const calls[] = { "kill", "tkill", "tgkill" };
	const struct vg_killsnoop *k = vg_rec_body(h);

	if ((env.failed && h->ret >= 0) || (env.sig && k->sig != (uint32_t)env.sig))
		return;
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_SIG, k->sig);
	vg_cell_int(t, C_TPID, k->call == 2 ? k->tid : k->tpid);
	vg_cell_int(t, C_RESULT, h->ret);
	vg_cell_str(t, C_CALL, calls[k->call % 3]);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct killsnoop_bpf *obj = killsnoop_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_CALL].off = !t->json;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing kill()s", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_killsnoop) });
out:
	vg_tool_done(t, rc);
	killsnoop_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_killsnoop = {
	.name = "killsnoop",
	.summary = "signals sent with kill, tkill and tgkill, with the target and result",
	.usage = "  -x, --failed           only failed sends\n"
		 "  -s, --signal SIG       only this signal number\n",
	.shortopts = "xs:",
	.longopts = (const struct option[]){ { "failed", no_argument, NULL, 'x' },
					     { "signal", required_argument, NULL, 's' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = killsnoop_bpf__elf_bytes,
	.option = option,
	.run = run,
};

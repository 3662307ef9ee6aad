/* execsnoop.c — `vigil trace execsnoop`: new processes (exec) with their arguments, as
 * libbpf-tools' execsnoop prints them: [TIME] [TIME(s)] [UID] PCOMM PID PPID RET ARGS. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/execsnoop.h"
#include "execsnoop.skel.h"

static struct {
	bool time, timestamp, print_uid, fails, quote;
	long uid;
	const char *name, *line;
} env = { .uid = -1 };

enum { C_TIME, C_TS, C_UID, C_PCOMM, C_PID, C_PPID, C_RET, C_CONTEXT, C_ARGS, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -8, true },
	[C_TS] = { "TIME(s)", "time_s", -8, true },
	[C_UID] = { "UID", "uid", -6, true },
	[C_PCOMM] = { "PCOMM", "comm", -16 },
	[C_PID] = { "PID", "pid", -6 },
	[C_PPID] = { "PPID", "ppid", -6 },
	[C_RET] = { "RET", "ret", 3 },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_ARGS] = { "ARGS", "args", 0 },
};

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'T': env.time = true; break;
	case 't': env.timestamp = true; break;
	case 'U': env.print_uid = true; break;
	case 'x': env.fails = true; break;
	case 'q': env.quote = true; break;
	case 'n': env.name = arg; break;
	case 'l': env.line = arg; break;
	case 'u':
		env.uid = strtol(arg, &end, 10);
		if (*end || env.uid < 0)
			return vg_tool_error(t, "-u takes a uid, not '%s'", arg);
		break;
	}
	return 0;
}

/* Whether some argument contains s. */
static bool args_contain(const char *argv, size_t len, const char *s)
{
	for (size_t i = 0; i < len; i += strnlen(argv + i, len - i) + 1)
		if (memmem(argv + i, strnlen(argv + i, len - i), s, strlen(s)))
			return true;
	return false;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_execsnoop *e = vg_rec_body(h);
	size_t len = 0;
	const char *argv = vg_rec_str(t, h, e->argv, &len);
	struct vg_buf args = { 0 };

	if ((env.uid >= 0 && h->uid != (uint32_t)env.uid) || (env.name && !strstr(h->comm, env.name)) ||
	    (env.line && (!argv || !args_contain(argv, len, env.line))))
		return;
	for (size_t i = 0; argv && i < len; i += strnlen(argv + i, len - i) + 1) {
		if (i)
			vg_buf_putc(&args, ' ');
		if (!env.quote) {
			vg_buf_put(&args, argv + i, strnlen(argv + i, len - i));
			continue;
		}
		vg_buf_putc(&args, '"');
		for (const char *c = argv + i; c < argv + len && *c; c++) {
			if (*c == '"' || *c == '\\')
				vg_buf_putc(&args, '\\');
			vg_buf_putc(&args, *c);
		}
		vg_buf_putc(&args, '"');
	}
	if (h->flags & VG_F_ARGV_TRUNC)
		vg_buf_puts(&args, " ...");
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_elapsed(t, C_TS, h->ts, 3);
	vg_cell_int(t, C_UID, h->uid);
	vg_cell_strn(t, C_PCOMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_int(t, C_PPID, h->ppid);
	vg_cell_int(t, C_RET, h->ret);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_cell_strn(t, C_ARGS, args.p ? args.p : "", args.len);
	vg_row_end(t);
	vg_buf_free(&args);
}

static int run(struct vg_tool_ctx *t)
{
	struct execsnoop_bpf *obj = execsnoop_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_choose(t, obj->progs.vg_tool_execsnoop_sched_process_exec_btf,
			   obj->progs.vg_tool_execsnoop_sched_process_exec_raw, NULL) < 0)
		goto out;
	/* failed execs only with -x: the syscall hooks then cost every syscall */
	bpf_program__set_autoload(obj->progs.vg_tool_execsnoop_sys_exit_execve, env.fails);
	bpf_program__set_autoload(obj->progs.vg_tool_execsnoop_sys_exit_execveat, env.fails);
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_TIME].off = !env.time && !t->json;
	cols[C_TS].off = !env.timestamp;
	cols[C_UID].off = !env.print_uid && !t->json;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing exec()s", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_execsnoop) });
out:
	vg_tool_done(t, rc);
	execsnoop_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_execsnoop = {
	.name = "execsnoop",
	.summary = "new processes (exec), with their arguments",
	.usage = "  -T, --time             print the time (HH:MM:SS)\n"
		 "  -t, --timestamp        print seconds since tracing began\n"
		 "  -U, --print-uid        print the uid\n"
		 "  -x, --fails            include failed exec()s\n"
		 "  -u, --uid UID          only this uid\n"
		 "  -n, --name NAME        only commands whose name contains NAME\n"
		 "  -l, --line LINE        only commands with an argument containing LINE\n"
		 "  -q, --quote            quote the arguments\n",
	.shortopts = "TtUxqu:n:l:",
	.longopts = (const struct option[]){ { "time", no_argument, NULL, 'T' },
					     { "timestamp", no_argument, NULL, 't' },
					     { "print-uid", no_argument, NULL, 'U' },
					     { "fails", no_argument, NULL, 'x' },
					     { "quote", no_argument, NULL, 'q' },
					     { "uid", required_argument, NULL, 'u' },
					     { "name", required_argument, NULL, 'n' },
					     { "line", required_argument, NULL, 'l' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = execsnoop_bpf__elf_bytes,
	.option = option,
	.run = run,
};

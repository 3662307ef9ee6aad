/* syscount.c — `vigil trace syscount`: syscalls counted, as libbpf-tools' syscount prints
 * them: the top syscalls (SYSCALL COUNT [TIME]) or processes (-P: PID COMM COUNT [TIME]),
 * every interval (-i) or once at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "loader/mapread.h"
#include "tools/syscalls.h"
#include "tools/tool.h"
#include "tools/syscount.h"
#include "syscount.skel.h"

static struct {
	struct vg_syscount_cfg cfg;
	double interval;
	unsigned top;
	bool ms;
} env = { .top = 10 };

enum { C_SYSCALL, C_PID, C_COMM, C_COUNT_, C_TIME, C_CONTEXT, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_SYSCALL] = { "SYSCALL", "syscall", -22 },
	[C_PID] = { "PID", "pid", -6, true },
	[C_COMM] = { "COMM", "comm", -15, true },
	[C_COUNT_] = { "COUNT", "count", 8 },
	[C_TIME] = { "TIME (us)", "time_us", 16, true },
	[C_CONTEXT] = VG_COL_CONTEXT,
};

/* vg_map_take_ended reads the first 32 bits. */
_Static_assert(offsetof(struct vg_syscount_key, generation) == 0, "generation first");

struct entry {
	__u32 key; /* syscall number, or tgid with -P */
	struct vg_syscount_val v;
};

static struct syscount_bpf *obj;
static struct vg_generation generation;

/* -e takes a number or a name (EPERM). */
static int parse_errno(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (!*end && n > 0 && n < 4096)
		return (int)n;
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (name && strcmp(name, s) == 0)
			return e;
	}
	return -1;
}

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'P': env.cfg.by_process = 1; break;
	case 'L': env.cfg.latency = 1; break;
	case 'x': env.cfg.failures = 1; break;
	case 'm': env.ms = true; break;
	case 'e':
		if ((env.cfg.err = parse_errno(arg)) < 0)
			return vg_tool_error(t, "-e takes an errno number or name (EPERM), not '%s'", arg);
		break;
	case 'i':
		env.interval = strtod(arg, &end);
		if (*end || env.interval <= 0)
			return vg_tool_error(t, "-i takes seconds, not '%s'", arg);
		break;
	case 'T':
		env.top = (unsigned)strtoul(arg, &end, 10);
		if (*end || env.top == 0)
			return vg_tool_error(t, "-T takes a positive number, not '%s'", arg);
		break;
	}
	return 0;
}

static int by_count(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (env.cfg.latency && x->v.total_ns != y->v.total_ns)
		return x->v.total_ns < y->v.total_ns ? 1 : -1;
	return x->v.count < y->v.count ? 1 : x->v.count > y->v.count ? -1 : 0;
}

static void on_interval(struct vg_tool_ctx *t)
{
	static struct vg_syscount_key keys[VG_SYSCOUNT_KEYS];
	static struct vg_syscount_val vals[VG_SYSCOUNT_KEYS];
	static struct entry entries[VG_SYSCOUNT_KEYS];
	uint64_t now = vg_boot_to_wall(vg_now_boot_ns());
	char number[16], stamp[16];
	size_t n;

	vg_generation_turn(&generation);
	n = vg_map_take_ended(obj->maps.vg_syscount_counts, &generation, keys, vals, VG_SYSCOUNT_KEYS);
	for (size_t i = 0; i < n; i++)
		entries[i] = (struct entry){ keys[i].id, vals[i] };
	qsort(entries, n, sizeof(entries[0]), by_count);
	if (!t->json && env.interval) {
		vg_clock_text(now, stamp);
		vg_buf_printf(&t->out, "[%s]\n", stamp);
	}
	if (env.interval)
		vg_table_header(t);
	for (size_t i = 0; i < n && i < env.top; i++) {
		const struct entry *e = &entries[i];
		const char *name = vg_syscall_name(e->key);

		if (!name) {
			snprintf(number, sizeof(number), "[%u]", e->key);
			name = number;
		}
		vg_row_begin(t);
		vg_json_time_member(t, "time", now);
		vg_cell_str(t, C_SYSCALL, name);
		vg_cell_int(t, C_PID, e->key);
		vg_cell_strn(t, C_COMM, e->v.comm, strnlen(e->v.comm, sizeof(e->v.comm)));
		vg_cell_int(t, C_COUNT_, (long long)e->v.count);
		vg_cell_double(t, C_TIME, (double)e->v.total_ns / (env.ms ? 1e6 : 1e3), 3);
		if (env.cfg.by_process)
			vg_cell_context(t, C_CONTEXT, e->key, 0, 0, VG_TOOL_UID_UNKNOWN);
		vg_row_end(t);
	}
}

static int run(struct vg_tool_ctx *t)
{
	int rc = -1;

	if (!(obj = syscount_bpf__open()))
		return vg_tool_error(t, "cannot open the BPF object");
	*(struct vg_syscount_cfg *)&obj->rodata->vg_syscount_cfg = env.cfg;
	bpf_program__set_autoload(obj->progs.vg_tool_syscount_sys_enter, env.cfg.latency);
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 ||
	    vg_tool_map_generation(t, &generation, VG_TOOL_GENERATION(obj)) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_SYSCALL].off = env.cfg.by_process;
	cols[C_PID].off = cols[C_COMM].off = !env.cfg.by_process;
	cols[C_TIME].off = !env.cfg.latency;
	cols[C_TIME].title = env.ms ? "TIME (ms)" : "TIME (us)";
	cols[C_TIME].key = env.ms ? "time_ms" : "time_us";
	if (!env.cfg.by_process)
		cols[C_CONTEXT] = (struct vg_col){ "", "", 0, true };
	t->cols = cols;
	t->ncols = C_COUNT;
	if (!env.interval)
		vg_table_header(t);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing syscalls, printing top", .on_interval = on_interval,
							 .interval_s = env.interval });
out:
	vg_tool_done(t, rc);
	vg_generation_unmap(&generation);
	syscount_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_syscount = {
	.name = "syscount",
	.summary = "syscalls counted per syscall or per process (-P), with their time (-L)",
	.usage = "  -i, --interval SECS    print every SECS seconds (default: once, at the end)\n"
		 "  -T, --top N            print the top N (default 10)\n"
		 "  -P, --process          count per process, not per syscall\n"
		 "  -L, --latency          time the calls too\n"
		 "  -m, --milliseconds     times in ms (default us)\n"
		 "  -x, --failures         only failed calls\n"
		 "  -e, --errno ERRNO      only calls that failed with ERRNO (a number or EPERM, ...)\n",
	.shortopts = "PLxme:i:T:",
	.longopts = (const struct option[]){ { "process", no_argument, NULL, 'P' },
					     { "latency", no_argument, NULL, 'L' },
					     { "failures", no_argument, NULL, 'x' },
					     { "milliseconds", no_argument, NULL, 'm' },
					     { "errno", required_argument, NULL, 'e' },
					     { "interval", required_argument, NULL, 'i' },
					     { "top", required_argument, NULL, 'T' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = syscount_bpf__elf_bytes,
	.option = option,
	.run = run,
};

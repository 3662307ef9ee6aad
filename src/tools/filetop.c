/* filetop.c — `vigil trace filetop`: reads and writes per file and thread, refreshed every
 * INTERVAL seconds, as libbpf-tools' filetop prints them: a loadavg line, then
 * TID COMM READS WRITES R_Kb W_Kb T FILE (JSON: one object per row, with exact bytes). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "loader/mapread.h"
#include "tools/tool.h"
#include "tools/filetop.h"
#include "filetop.skel.h"

enum sort { SORT_ALL, SORT_READS, SORT_WRITES, SORT_RBYTES, SORT_WBYTES };

static struct {
	bool noclear, all;
	unsigned rows;
	enum sort sort;
	double interval;
	unsigned count;
} env = { .rows = 20, .interval = 1 };

enum { C_TID, C_PID, C_COMM, C_READS, C_WRITES, C_RKB, C_WKB, C_T, C_CONTEXT, C_FILE, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TID] = { "TID", "tid", -7 },
	[C_PID] = { "PID", "pid", -7, true },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_READS] = { "READS", "reads", -6 },
	[C_WRITES] = { "WRITES", "writes", -6 },
	[C_RKB] = { "R_Kb", "read_kb", -7 },
	[C_WKB] = { "W_Kb", "write_kb", -7 },
	[C_T] = { "T", "type", 1 },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_FILE] = { "FILE", "file", 0 },
};

/* vg_map_take_ended reads the first 32 bits; the kernel's key has no hidden padding. */
_Static_assert(offsetof(struct vg_filetop_key, generation) == 0, "generation first");
_Static_assert(sizeof(struct vg_filetop_key) == 32, "filetop key without padding");

struct entry {
	struct vg_filetop_key k;
	struct vg_filetop_val v;
};

static struct filetop_bpf *obj;
static struct vg_generation generation;

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	static const char *const sorts[] = { "all", "reads", "writes", "rbytes", "wbytes" };
	char *end;

	switch (opt) {
	case 'C': env.noclear = true; break;
	case 'a': env.all = true; break;
	case 'r':
		env.rows = (unsigned)strtoul(arg, &end, 10);
		if (*end || env.rows == 0)
			return vg_tool_error(t, "-r takes a positive number, not '%s'", arg);
		break;
	case 's':
		for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
			if (strcmp(arg, sorts[i]) == 0) {
				env.sort = (enum sort)i;
				return 0;
			}
		return vg_tool_error(t, "-s takes all, reads, writes, rbytes or wbytes, not '%s'", arg);
	}
	return 0;
}

static uint64_t sort_key(const struct vg_filetop_val *v)
{
	switch (env.sort) {
	case SORT_READS: return v->reads;
	case SORT_WRITES: return v->writes;
	case SORT_RBYTES: return v->read_bytes;
	case SORT_WBYTES: return v->write_bytes;
	default: return v->reads + v->writes + v->read_bytes + v->write_bytes;
	}
}

static int by_sort(const void *a, const void *b)
{
	uint64_t x = sort_key(&((const struct entry *)a)->v), y = sort_key(&((const struct entry *)b)->v);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void on_interval(struct vg_tool_ctx *t)
{
	static struct vg_filetop_key keys[VG_FILETOP_KEYS];
	static struct vg_filetop_val vals[VG_FILETOP_KEYS];
	static struct entry entries[VG_FILETOP_KEYS];
	uint64_t now = vg_boot_to_wall(vg_now_boot_ns());
	char stamp[16], load[128] = "";
	size_t n;
	int fd;

	vg_generation_turn(&generation);
	n = vg_map_take_ended(obj->maps.vg_filetop_files, &generation, keys, vals, VG_FILETOP_KEYS);
	for (size_t i = 0; i < n; i++)
		entries[i] = (struct entry){ keys[i], vals[i] };
	qsort(entries, n, sizeof(entries[0]), by_sort);
	if (!t->json) {
		ssize_t got = -1;

		if ((fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC)) >= 0) {
			got = read(fd, load, sizeof(load) - 1);
			close(fd);
		}
		load[got > 0 ? got : 0] = 0;
		load[strcspn(load, "\n")] = 0;
		vg_clock_text(now, stamp);
		if (!env.noclear)
			vg_buf_puts(&t->out, "\033[H\033[2J");
		vg_buf_printf(&t->out, "%s loadavg: %s\n\n", stamp, load);
		vg_table_header(t);
	}
	for (size_t i = 0; i < n && i < env.rows; i++) {
		const struct entry *e = &entries[i];
		char bytes[32], type[2] = { e->v.type, 0 };

		vg_row_begin(t);
		vg_json_time_member(t, "time", now);
		vg_cell_int(t, C_TID, e->k.tid);
		vg_cell_int(t, C_PID, e->k.pid);
		vg_cell_strn(t, C_COMM, e->v.comm, strnlen(e->v.comm, sizeof(e->v.comm)));
		vg_cell_int(t, C_READS, (long long)e->v.reads);
		vg_cell_int(t, C_WRITES, (long long)e->v.writes);
		vg_cell_int(t, C_RKB, (long long)(e->v.read_bytes / 1024));
		vg_cell_int(t, C_WKB, (long long)(e->v.write_bytes / 1024));
		vg_cell_str(t, C_T, type);
		vg_cell_context(t, C_CONTEXT, e->k.pid, 0, e->v.cgroup_id, e->v.uid);
		vg_cell_strn(t, C_FILE, e->v.name, strnlen(e->v.name, sizeof(e->v.name)));
		snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)e->v.read_bytes);
		vg_json_member(t, "read_bytes", bytes);
		snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)e->v.write_bytes);
		vg_json_member(t, "write_bytes", bytes);
		vg_row_end(t);
	}
}

static int run(struct vg_tool_ctx *t)
{
	int rc = -1;

	if (vg_tool_interval_args(t, &env.interval, &env.count) < 0)
		return -1;
	if (!(obj = filetop_bpf__open()))
		return vg_tool_error(t, "cannot open the BPF object");
	obj->rodata->vg_filetop_all = env.all;
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 ||
	    vg_tool_map_generation(t, &generation, VG_TOOL_GENERATION(obj)) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_PID].off = !t->json;
	t->cols = cols;
	t->ncols = C_COUNT;
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing file reads and writes", .on_interval = on_interval,
							 .interval_s = env.interval, .count = env.count });
out:
	vg_tool_done(t, rc);
	vg_generation_unmap(&generation);
	filetop_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_filetop = {
	.name = "filetop",
	.summary = "reads and writes per file and thread, top first, every INTERVAL seconds",
	.usage = "  -C, --noclear          do not clear the screen\n"
		 "  -a, --all              include non-regular files (sockets, pipes, devices)\n"
		 "  -r, --rows N           at most N rows (default 20)\n"
		 "  -s, --sort KEY         all, reads, writes, rbytes or wbytes (default all)\n",
	.shortopts = "Car:s:",
	.longopts = (const struct option[]){ { "noclear", no_argument, NULL, 'C' },
					     { "all", no_argument, NULL, 'a' },
					     { "rows", required_argument, NULL, 'r' },
					     { "sort", required_argument, NULL, 's' },
					     { NULL, 0, NULL, 0 } },
	.positional = "[INTERVAL [COUNT]]",
	.elf_bytes = filetop_bpf__elf_bytes,
	.option = option,
	.run = run,
};

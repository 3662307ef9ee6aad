/* opensnoop.c — `vigil trace opensnoop`: files opened, as libbpf-tools' opensnoop prints
 * them: [TIME] [UID] PID COMM FD ERR [FLAGS] PATH. */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/opensnoop.h"
#include "opensnoop.skel.h"

static struct {
	bool timestamp, print_uid, failed, extended, full_path;
	long uid;
	const char *name;
} env = { .uid = -1 };

enum { C_TIME, C_UID, C_PID, C_COMM, C_FD, C_ERR, C_FLAGS, C_CONTEXT, C_PATH, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -8, true },
	[C_UID] = { "UID", "uid", -7, true },
	[C_PID] = { "PID", "pid", -6 },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_FD] = { "FD", "fd", 3 },
	[C_ERR] = { "ERR", "err", 3 },
	[C_FLAGS] = { "FLAGS", "flags", -8, true },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_PATH] = { "PATH", "path", 0 },
};

static int option(struct vg_tool_ctx *t, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 'T': env.timestamp = true; break;
	case 'U': env.print_uid = true; break;
	case 'x': env.failed = true; break;
	case 'e': env.extended = true; break;
	case 'F': env.full_path = true; break;
	case 'n': env.name = arg; break;
	case 'u':
		env.uid = strtol(arg, &end, 10);
		if (*end || env.uid < 0)
			return vg_tool_error(t, "-u takes a uid, not '%s'", arg);
		break;
	}
	return 0;
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_opensnoop *o = vg_rec_body(h);
	const char *path;
	char flags[16];
	size_t len = 0;

	if ((env.failed && h->ret >= 0) || (env.uid >= 0 && h->uid != (uint32_t)env.uid) ||
	    (env.name && !strstr(h->comm, env.name)))
		return;
	path = env.full_path ? vg_rec_upath(t, h, &o->path) : vg_rec_str(t, h, o->path.name, &len);
	if (path && !env.full_path)
		path = vg_event_keep(t->ev, path, len);
	snprintf(flags, sizeof(flags), "%08o", o->flags);
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_int(t, C_UID, h->uid);
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_int(t, C_FD, h->ret >= 0 ? h->ret : -1);
	vg_cell_int(t, C_ERR, h->ret >= 0 ? 0 : -h->ret);
	if (t->json)
		vg_cell_int(t, C_FLAGS, o->flags);
	else
		vg_cell_str(t, C_FLAGS, flags);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_cell_str(t, C_PATH, path ? path : "");
	vg_row_end(t);
}

static int run(struct vg_tool_ctx *t)
{
	struct opensnoop_bpf *obj = opensnoop_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	cols[C_TIME].off = !env.timestamp && !t->json;
	cols[C_UID].off = !env.print_uid && !t->json;
	cols[C_FLAGS].off = !env.extended && !t->json;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing open()s", .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_opensnoop) });
out:
	vg_tool_done(t, rc);
	opensnoop_bpf__destroy(obj);
	return rc;
}

const struct vg_tool vg_tool_opensnoop = {
	.name = "opensnoop",
	.summary = "files opened (open, openat, openat2), with the result",
	.usage = "  -T, --timestamp        print the time (HH:MM:SS)\n"
		 "  -U, --print-uid        print the uid\n"
		 "  -x, --failed           only failed opens\n"
		 "  -e, --extended-fields  print the open flags (octal)\n"
		 "  -F, --full-path        print the absolute path (joined onto the caller's cwd or dirfd)\n"
		 "  -u, --uid UID          only this uid\n"
		 "  -n, --name NAME        only processes whose name contains NAME\n",
	.shortopts = "TUxeFu:n:",
	.longopts = (const struct option[]){ { "timestamp", no_argument, NULL, 'T' },
					     { "print-uid", no_argument, NULL, 'U' },
					     { "failed", no_argument, NULL, 'x' },
					     { "extended-fields", no_argument, NULL, 'e' },
					     { "full-path", no_argument, NULL, 'F' },
					     { "uid", required_argument, NULL, 'u' },
					     { "name", required_argument, NULL, 'n' },
					     { NULL, 0, NULL, 0 } },
	.elf_bytes = opensnoop_bpf__elf_bytes,
	.option = option,
	.run = run,
};

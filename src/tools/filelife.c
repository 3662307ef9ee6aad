/* filelife.c — `vigil trace filelife`: files deleted after being created while tracing,
 * with their age, as libbpf-tools' filelife prints them: TIME PID COMM AGE(s) FILE (the
 * path, not just the name). Creations wait in a table keyed by path (renames move them);
 * the table is capped, and creations it had no room for are reported at the end. */
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "tools/tool.h"
#include "tools/filelife.h"
#include "filelife.skel.h"

#define SLOTS 65536 /* a power of two */
#define MAX_LIVE (SLOTS / 2)

struct born {
	char *path;   /* NULL: empty; TOMBSTONE: deleted */
	uint64_t ts;
};

static struct born table[SLOTS];
static size_t live, dead, untracked;
static char tombstone[1];

enum { C_TIME, C_PID, C_COMM, C_AGE, C_CONTEXT, C_FILE, C_COUNT };

static struct vg_col cols[C_COUNT] = {
	[C_TIME] = { "TIME", "time", -8 },
	[C_PID] = { "PID", "pid", -6 },
	[C_COMM] = { "COMM", "comm", -16 },
	[C_AGE] = { "AGE(s)", "age_s", -7 },
	[C_CONTEXT] = VG_COL_CONTEXT,
	[C_FILE] = { "FILE", "file", 0 },
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h & (SLOTS - 1);
}

/* The slot holding path, or NULL. */
static struct born *find(const char *path)
{
	for (size_t i = hash(path), n = 0; n < SLOTS && table[i].path; i = (i + 1) & (SLOTS - 1), n++)
		if (table[i].path != tombstone && strcmp(table[i].path, path) == 0)
			return &table[i];
	return NULL;
}

static void forget(struct born *b)
{
	free(b->path);
	b->path = tombstone;
	live--;
	dead++;
}

static void put(char *path, uint64_t ts)
{
	size_t i;

	for (i = hash(path); table[i].path && table[i].path != tombstone; i = (i + 1) & (SLOTS - 1))
		;
	if (table[i].path == tombstone)
		dead--;
	table[i] = (struct born){ path, ts };
	live++;
}

/* Tombstones lengthen every probe: when they fill a quarter of the table, rebuild it. */
static void compact(void)
{
	static struct born old[SLOTS];

	memcpy(old, table, sizeof(table));
	memset(table, 0, sizeof(table));
	live = dead = 0;
	for (size_t i = 0; i < SLOTS; i++)
		if (old[i].path && old[i].path != tombstone)
			put(old[i].path, old[i].ts);
}

static void remember(const char *path, uint64_t ts)
{
	struct born *b = find(path);
	char *copy;

	if (b) {
		b->ts = ts;
		return;
	}
	if (live >= MAX_LIVE || !(copy = strdup(path))) {
		untracked++;
		return;
	}
	if (dead > SLOTS / 4)
		compact();
	put(copy, ts);
}

static void on_record(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size)
{
	const struct vg_filelife *l = vg_rec_body(h);
	const char *path, *to;
	struct born *b;

	if (h->type == VG_FILELIFE_CREATE) {
		if ((path = vg_rec_path(t, h, l->created)))
			remember(path, h->ts);
		return;
	}
	if (!(path = vg_rec_upath(t, h, &l->path)) || !(b = find(path)))
		return;
	if (h->type == VG_FILELIFE_RENAME) {
		uint64_t ts = b->ts;

		forget(b);
		if ((to = vg_rec_upath(t, h, &l->to)))
			remember(to, ts);
		return;
	}
	vg_row_begin(t);
	vg_cell_clock(t, C_TIME, vg_boot_to_wall(h->ts));
	vg_cell_int(t, C_PID, h->pid);
	vg_cell_strn(t, C_COMM, h->comm, strnlen(h->comm, sizeof(h->comm)));
	vg_cell_double(t, C_AGE, (double)(h->ts - b->ts) / 1e9, 2);
	vg_cell_context(t, C_CONTEXT, h->pid, h->start_time, h->cgroup_id, h->uid);
	vg_cell_str(t, C_FILE, path);
	vg_row_end(t);
	forget(b);
}

static int run(struct vg_tool_ctx *t)
{
	struct filelife_bpf *obj = filelife_bpf__open();
	int rc = -1;

	if (!obj)
		return vg_tool_error(t, "cannot open the BPF object");
	if (vg_tool_load(t, obj->obj, &obj->rodata->vg_tool_filter) < 0 || vg_tool_attach(t) < 0)
		goto out;
	vg_table(t, cols, C_COUNT);
	rc = vg_tool_run_loop(t, &(struct vg_tool_loop){ .what = "Tracing the lifespan of short-lived files",
							 .on_record = on_record,
							 .min_record = sizeof(struct vg_hdr) + sizeof(struct vg_filelife) });
	if (untracked)
		vg_tool_error(t, "%zu created files were not tracked: more than %d alive at once", untracked, MAX_LIVE);
out:
	vg_tool_done(t, rc);
	filelife_bpf__destroy(obj);
	for (size_t i = 0; i < SLOTS; i++)
		if (table[i].path != tombstone)
			free(table[i].path);
	memset(table, 0, sizeof(table));
	return rc;
}

const struct vg_tool vg_tool_filelife = {
	.name = "filelife",
	.summary = "files created and deleted while tracing, with their age (renames followed)",
	.elf_bytes = filelife_bpf__elf_bytes,
	.shortopts = "",
	.run = run,
};

/* tool.h — the framework every `vigil trace` tool (and `vigil top`) is written on.
 *
 * After libbpf-tools: a tool is bpf/tools/<tool>.bpf.c (its programs, named
 * vg_tool_<tool>_<hook>), bpf/tools/<tool>.h (its records, shared with user space) and
 * src/tools/<tool>.c (its options and output), registered as one struct vg_tool in the
 * table of tools.c, the way Redis registers backends. This framework owns everything the
 * tools share, so a tool file holds only its own logic:
 *   - the common options: -p PID, -c CONTAINER (id prefix, name or cgroup path),
 *     --duration SECS, --format text|json, --context, -h;
 *   - loading, with the report `vigil probes` gives when the kernel has no mechanism for
 *     a program ("no mechanism on this kernel: ..."), and the kernel-side filter
 *     (bpf/lib/tool.h) set from -p and -c;
 *   - the loop: ring-buffer records and/or a callback every interval, until Ctrl-C,
 *     --duration or a count;
 *   - columns: one definition gives the text header, aligned text rows and JSON objects
 *     (one per line), plus vigil's process and container context as extra columns;
 *   - lost records, reported by reason when the tool ends. */
#ifndef VIGIL_TOOL_H
#define VIGIL_TOOL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "event.h"
#include "loader/features.h"
#include "loader/mapread.h"
#include "loader/uprobe.h"
#include "output/buf.h"
#include "tool_event.h"

struct vg_tool_ctx;
struct bpf_object;
struct bpf_program;
struct bpf_link;

struct vg_tool {
	const char *name;
	const char *summary;             /* one line: what it shows (--list, docs/tools.md) */
	const char *usage;               /* its own options, "  -x, --long  what\n" lines, or NULL */
	const char *shortopts;           /* its own getopt letters ("xn:"), "" when none */
	const struct option *longopts;   /* its own long options, NULL-terminated, or NULL */
	const char *positional;          /* e.g. "[INTERVAL [COUNT]]", or NULL when it takes none */
	const void *(*elf_bytes)(size_t *size); /* its skeleton's object, for --list */
	int (*option)(struct vg_tool_ctx *t, int opt, const char *arg); /* -1: bad value */
	int (*run)(struct vg_tool_ctx *t);
	bool subcommand;                 /* a vigil command of its own (top), not `vigil trace NAME` */
	const struct vg_uprobe_target *uprobe; /* the function its uprobe probes (for --list), or NULL */
};

/* The table (tools.c). */
const struct vg_tool *vg_tool_find(const char *name);
const struct vg_tool *vg_tool_at(size_t i); /* i from 0 until NULL */

/* A column: the text header, the JSON member, the text width (-N: left-aligned in N,
 * N: right-aligned, 0: unpadded, for the last column). A column that is off (an option
 * turns it on) is skipped in header and rows alike. */
struct vg_col {
	const char *title;
	const char *key;
	int width;
	bool off;
};

/* Where --context puts vigil's process and container columns (USER, CONTAINER, EXE):
 * one entry in a tool's column list, usually just before its last, unpadded column. */
#define VG_COL_CONTEXT { "", "", 0, false }

#define VG_TOOL_MAX_ARGS 4

struct vg_tool_proc; /* context.c */

struct vg_tool_ctx {
	const struct vg_tool *tool;
	/* common options */
	pid_t pid;
	const char *container;
	double duration;
	bool json;
	bool context;
	int nargs;
	const char *args[VG_TOOL_MAX_ARGS];
	/* state */
	struct vg_features features;
	uint64_t start_ns;      /* CLOCK_BOOTTIME when tracing began */
	char cgroup_dir[4096];  /* -c: the container's cgroup v2 directory */
	struct bpf_object *obj; /* the loaded object (losses are read from it) */
	struct bpf_link *links[64];
	int nlinks;
	struct vg_buf out;
	const struct vg_col *cols;
	size_t ncols;
	size_t cell;            /* the next column of the row being written */
	struct vg_tool_proc *procs;
	struct vg_event *ev;    /* for the decode helpers (paths): evbuf's */
	struct vg_event_buf evbuf;
};

/* ---- loading --------------------------------------------------------------------- */

/* Among alternative programs for one hook (e.g. tp_btf, then raw_tp), keeps the first
 * this kernel has and turns the others off. NULL-terminated. -1 (reported) when none. */
int vg_tool_choose(struct vg_tool_ctx *t, struct bpf_program *first, ...);
/* Writes the filter (the tool's vg_tool_filter in its read-only data) from -p/-c, checks
 * every program still to load against the kernel's mechanisms, loads, and fills the -c
 * cgroup map. -1 (reported as `vigil probes` would) when something cannot load. */
int vg_tool_load(struct vg_tool_ctx *t, struct bpf_object *obj, struct vg_tool_filter *filter);
/* Maps the generation the loaded object's counting keys start with (lib/tool.h's
 * vg_tool_generation, at offset of its .bss: VG_TOOL_GENERATION(skel)) into g, for
 * vg_generation_turn and vg_map_take_ended (loader/mapread.h). -1 (reported). */
int vg_tool_map_generation(struct vg_tool_ctx *t, struct vg_generation *g, struct bpf_map *bss, size_t offset);
#define VG_TOOL_GENERATION(skel) (skel)->maps.bss, offsetof(__typeof__(*(skel)->bss), vg_tool_generation)
/* Attaches every loaded program except uprobes (vg_tool_uprobe). -1 (reported). */
int vg_tool_attach(struct vg_tool_ctx *t);
/* Attaches a uprobe program to a function by name (loader/uprobe.h). -1 (reported). */
int vg_tool_uprobe(struct vg_tool_ctx *t, struct bpf_program *prog, const struct vg_uprobe_target *target);
/* Whether the kernel f describes has the hook a program's section names
 * ("tp/syscalls/sys_exit_read", "tp_btf/sched_process_exec", "kprobe/vfs_read",
 * "uretprobe", ...): its mechanism (as `vigil probes` found it) and, for tracepoints, the
 * tracepoint itself. The reason in why when not. */
bool vg_tool_section_available(const struct vg_features *f, const char *section, char *why, size_t len);
/* "vigil trace TOOL: MESSAGE" (or "vigil top: ...") on stderr; returns -1. */
int vg_tool_error(struct vg_tool_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- running --------------------------------------------------------------------- */

typedef void (*vg_tool_record_fn)(struct vg_tool_ctx *t, const struct vg_hdr *h, size_t size);

struct vg_tool_loop {
	const char *what;            /* "Tracing exec()s", for the start line on stderr */
	vg_tool_record_fn on_record; /* records of vg_tool_events; NULL when none */
	size_t min_record;           /* records shorter than this are malformed (counted) */
	void (*on_interval)(struct vg_tool_ctx *t); /* every interval_s, or once at the end when 0 */
	double interval_s;
	unsigned count;              /* stop after this many intervals; 0: no limit */
};

/* Runs until Ctrl-C, --duration or count; prints lost records at the end. */
int vg_tool_run_loop(struct vg_tool_ctx *t, const struct vg_tool_loop *l);
/* Whether SIGINT or SIGTERM asked the tool to stop (for tools with a loop of their own). */
bool vg_tool_stopping(void);
/* Prints the lost-record counts of the tool's object (vg_tool_run_loop does at its end). */
void vg_tool_report_losses(struct vg_tool_ctx *t);
/* Frees the links and the object; the tool's run returns what this returns (rc). */
int vg_tool_done(struct vg_tool_ctx *t, int rc);
/* [INTERVAL [COUNT]] positional arguments, defaults kept when absent. -1 (reported). */
int vg_tool_interval_args(struct vg_tool_ctx *t, double *interval, unsigned *count);
/* Writes what the output buffer holds to stdout. */
void vg_tool_flush(struct vg_tool_ctx *t);

/* ---- output ---------------------------------------------------------------------- */

/* Sets the columns of the rows to come; prints the header in text mode. */
void vg_table(struct vg_tool_ctx *t, const struct vg_col *cols, size_t n);
void vg_table_header(struct vg_tool_ctx *t);
void vg_row_begin(struct vg_tool_ctx *t);
void vg_row_end(struct vg_tool_ctx *t);
/* Cells, in column order (col is the column's index). Text replaces control characters
 * with '?'; JSON escapes them. */
void vg_cell_str(struct vg_tool_ctx *t, size_t col, const char *s);
void vg_cell_strn(struct vg_tool_ctx *t, size_t col, const char *s, size_t len);
void vg_cell_int(struct vg_tool_ctx *t, size_t col, long long v);
void vg_cell_double(struct vg_tool_ctx *t, size_t col, double v, int decimals);
/* Text: HH:MM:SS (local time); JSON: RFC 3339 UTC with nanoseconds. */
void vg_cell_clock(struct vg_tool_ctx *t, size_t col, uint64_t wall_ns);
/* A boot-time stamp as seconds since tracing began. */
void vg_cell_elapsed(struct vg_tool_ctx *t, size_t col, uint64_t boot_ns, int decimals);
/* family VG_AF_INET or VG_AF_INET6, address in network order. */
void vg_cell_ip(struct vg_tool_ctx *t, size_t col, unsigned family, const void *addr);
/* The --context columns (at the VG_COL_CONTEXT entry): user, container, exe of the
 * process (pid, start_time and cgroup_id as a record's header has them). */
void vg_cell_context(struct vg_tool_ctx *t, size_t col, uint32_t pid, uint64_t start_time, uint64_t cgroup_id,
		     uint32_t uid);
/* "HH:MM:SS" (local time) of a wall-clock time. */
void vg_clock_text(uint64_t wall_ns, char out[16]);
/* JSON only: a member "name": RFC 3339 time, outside the columns. */
void vg_json_time_member(struct vg_tool_ctx *t, const char *name, uint64_t wall_ns);
/* A JSON member outside the columns ("name":value is written raw); nothing in text. */
void vg_json_member(struct vg_tool_ctx *t, const char *name, const char *raw);
void vg_json_member_str(struct vg_tool_ctx *t, const char *name, const char *s);

/* ---- records ---------------------------------------------------------------------- */

/* The body after a record's header (the framework checked min_record). */
static inline const void *vg_rec_body(const struct vg_hdr *h)
{
	return h + 1;
}

/* A record's string (NULL when out of bounds); a kernel path (leaf first) made absolute;
 * a caller's path joined onto its directory. Valid until the next record. */
const char *vg_rec_str(struct vg_tool_ctx *t, const struct vg_hdr *h, struct vg_str s, size_t *len);
const char *vg_rec_path(struct vg_tool_ctx *t, const struct vg_hdr *h, struct vg_str s);
const char *vg_rec_upath(struct vg_tool_ctx *t, const struct vg_hdr *h, const struct vg_upath *u);

/* ---- context ---------------------------------------------------------------------- */

struct vg_tool_proc {
	uint32_t pid;
	uint64_t start_time;
	char user[33];
	char exe[256];            /* "" when the process is gone */
	char container_id[65];    /* "" on the host */
	char container_name[128]; /* runtime name, else the cgroup's (short id or machine name) */
	const char *runtime;      /* NULL on the host */
};

/* A uid the caller does not know: read from /proc. */
#define VG_TOOL_UID_UNKNOWN ((uint32_t)-1)

/* vigil's context for a process (cached by pid and start time; the container comes from
 * the cgroup id when the process is gone). */
const struct vg_tool_proc *vg_tool_proc_of(struct vg_tool_ctx *t, uint32_t pid, uint64_t start_time,
					   uint64_t cgroup_id, uint32_t uid);
/* The container of a cgroup id (id "" on the host); cached. */
void vg_tool_container_of(struct vg_tool_ctx *t, uint64_t cgroup_id, uint32_t pid, char id[65], char name[128],
			  const char **runtime);

/* ---- the command ------------------------------------------------------------------ */

/* `vigil trace TOOL [options]`, argv[0] being the tool's name; and `vigil trace --list`. */
int vg_tool_main(const struct vg_tool *tool, int argc, char **argv);
int vg_tool_list(int argc, char **argv);
/* The tools' reference in Markdown (docs/tools.md's generated region, scripts/gendocs.sh): the
 * common options, then per tool its summary, command line, hooks and options; extra (vigil
 * top) last. */
void vg_tool_markdown(FILE *out, const struct vg_tool *extra);

#endif

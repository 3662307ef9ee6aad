/* tool.c — the tool framework (see tool.h): options, loading with mechanism reports, the
 * loop, and loss reporting. Output cells are in table.c, process context in context.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "decode/decode.h"
#include "loader/hooks.h"
#include "loader/loader.h"
#include "output/json.h"
#include "proc/cgroup.h"
#include "tools/tool.h"

enum { OPT_DURATION = 1000, OPT_FORMAT, OPT_CONTEXT };

static const char common_usage[] =
	"  -p, --pid PID          only this process\n"
	"  -c, --container C      only this container: id prefix, name, or cgroup path (/...)\n"
	"      --duration SECS    stop after SECS seconds\n"
	"      --format text|json columns (default) or one JSON object per line\n"
	"      --context          add vigil's context columns: USER, CONTAINER, EXE\n"
	"  -h, --help             this help\n";

static volatile sig_atomic_t stop_requested;
static char libbpf_last[512];
static bool libbpf_verbose;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (libbpf_verbose) {
		va_list copy;

		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_WARN)
		vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, ap);
	return 0;
}

int vg_tool_error(struct vg_tool_ctx *t, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vigil %s%s: ", t->tool->subcommand ? "" : "trace ", t->tool->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* ---- mechanisms ------------------------------------------------------------------ */

/* What a program's section says about how it attaches: its mechanism and target. */
struct hook_desc {
	enum vg_mechanism mechanism;
	char target[128]; /* "syscalls/sys_exit_openat", "sched_process_exec", "" for uprobes */
};

static bool describe_section(const char *sec, struct hook_desc *d)
{
	static const struct {
		const char *prefix;
		enum vg_mechanism m;
	} kinds[] = {
		{ "tp/", VG_MECH_TRACEPOINT },     { "tracepoint/", VG_MECH_TRACEPOINT },
		{ "tp_btf/", VG_MECH_TP_BTF },     { "raw_tp/", VG_MECH_RAW_TP },
		{ "raw_tracepoint/", VG_MECH_RAW_TP }, { "kprobe/", VG_MECH_KPROBE },
		{ "kretprobe/", VG_MECH_KPROBE },  { "fentry/", VG_MECH_FENTRY },
		{ "fexit/", VG_MECH_FENTRY },      { "uprobe", VG_MECH_UPROBE },
		{ "uretprobe", VG_MECH_UPROBE },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);

		if (strncmp(sec, kinds[i].prefix, n) == 0) {
			d->mechanism = kinds[i].m;
			snprintf(d->target, sizeof(d->target), "%s", kinds[i].m == VG_MECH_UPROBE ? "" : sec + n);
			return true;
		}
	}
	return false;
}

/* Whether the kernel has the hook d, with the reason in why when not. */
static bool hook_available(const struct vg_features *f, const struct hook_desc *d, char *why, size_t len)
{
	const char *reason;
	char path[512];

	if (!vg_mechanism_available(f, d->mechanism, &reason)) {
		snprintf(why, len, "%s: %s", vg_mechanism_name(d->mechanism), reason);
		return false;
	}
	switch (d->mechanism) {
	case VG_MECH_TRACEPOINT:
		snprintf(path, sizeof(path), "%s/events/%s", f->tracefs_path, d->target);
		if (access(path, F_OK) == 0)
			return true;
		snprintf(why, len, "tracepoint %s is not in this kernel (%s)", d->target, path);
		return false;
	case VG_MECH_TP_BTF:
		if (libbpf_find_vmlinux_btf_id(d->target, BPF_TRACE_RAW_TP) >= 0)
			return true;
		snprintf(why, len, "tp_btf: tracepoint %s is not in the kernel's BTF", d->target);
		return false;
	default:
		return true;
	}
}

static bool describe(const struct bpf_program *prog, struct hook_desc *d)
{
	return describe_section(bpf_program__section_name(prog), d);
}

bool vg_tool_section_available(const struct vg_features *f, const char *section, char *why, size_t len)
{
	struct hook_desc d;

	if (!describe_section(section, &d)) {
		snprintf(why, len, "unknown kind of hook: %s", section);
		return false;
	}
	return hook_available(f, &d, why, len);
}

static void hook_name(const struct hook_desc *d, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", vg_mechanism_name(d->mechanism), d->target[0] ? " " : "", d->target);
}

int vg_tool_choose(struct vg_tool_ctx *t, struct bpf_program *first, ...)
{
	char why[512] = "", one[256];
	struct bpf_program *p = first, *chosen = NULL;
	va_list ap;

	va_start(ap, first);
	for (; p; p = va_arg(ap, struct bpf_program *)) {
		struct hook_desc d;

		if (!chosen && describe(p, &d) && hook_available(&t->features, &d, one, sizeof(one)))
			chosen = p;
		else if (!chosen)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", why[0] ? "; " : "", one);
		bpf_program__set_autoload(p, p == chosen);
	}
	va_end(ap);
	if (!chosen)
		return vg_tool_error(t, "no mechanism on this kernel: %s", why);
	return 0;
}

#define VERIFIER_LOG 16384

/* Loads obj with a verifier log per program, so that a rejection names the program and
 * the kernel's reason. */
static int load_object(struct vg_tool_ctx *t, struct bpf_object *obj)
{
	struct bpf_program *prog;
	char (*logs)[VERIFIER_LOG];
	size_t n = 0, count = 0;
	bool rejected = false;
	int err;

	bpf_object__for_each_program(prog, obj)
		count++;
	if (!(logs = calloc(count ? count : 1, VERIFIER_LOG)))
		return vg_tool_error(t, "out of memory");
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_log_buf(prog, logs[n++], VERIFIER_LOG);
	libbpf_last[0] = 0;
	err = bpf_object__load(obj);
	n = 0;
	bpf_object__for_each_program(prog, obj) {
		if (err < 0 && !rejected && bpf_program__autoload(prog) && logs[n][0]) {
			vg_tool_error(t, "the kernel rejects %s: %s", bpf_program__name(prog), vg_verifier_reason(logs[n]));
			rejected = true;
		}
		bpf_program__set_log_buf(prog, NULL, 0);
		n++;
	}
	free(logs);
	if (rejected)
		return -1;
	if (err < 0)
		return vg_tool_error(t, "cannot load: %s%s%.*s%s", strerror(-err), libbpf_last[0] ? " (libbpf: " : "",
				     (int)strcspn(libbpf_last, "\n"), libbpf_last, libbpf_last[0] ? ")" : "");
	return 0;
}

int vg_tool_load(struct vg_tool_ctx *t, struct bpf_object *obj, struct vg_tool_filter *filter)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	t->obj = obj;
	filter->self = (__u32)getpid();
	filter->pid = (__u32)t->pid;
	filter->cgroup = t->cgroup_dir[0] != 0;
	bpf_object__for_each_program(prog, obj) {
		struct hook_desc d;
		char why[256];

		if (!bpf_program__autoload(prog))
			continue;
		if (!describe(prog, &d))
			return vg_tool_error(t, "program %s has an unknown section %s", bpf_program__name(prog),
					     bpf_program__section_name(prog));
		if (!hook_available(&t->features, &d, why, sizeof(why)))
			return vg_tool_error(t, "no mechanism on this kernel: %s", why);
	}
	if ((err = load_object(t, obj)) < 0)
		return -1;
	if (filter->cgroup && (map = bpf_object__find_map_by_name(obj, "vg_tool_cgroup"))) {
		__u32 zero = 0;
		int fd = open(t->cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || bpf_map_update_elem(bpf_map__fd(map), &zero, &fd, BPF_ANY) < 0)
			err = -errno;
		if (fd >= 0)
			close(fd);
		if (err < 0)
			return vg_tool_error(t, "-c: cannot filter on %s: %s", t->cgroup_dir, strerror(-err));
	}
	return 0;
}

int vg_tool_map_generation(struct vg_tool_ctx *t, struct vg_generation *g, struct bpf_map *bss, size_t offset)
{
	/* the kernel's .bss: the skeleton's bss is libbpf's copy, the kernel's only when the
	 * skeleton loads the object (vg_tool_load does not) */
	if (vg_generation_map(g, bss, offset) < 0)
		return vg_tool_error(t, "cannot map the object's BPF globals (mmapable arrays: Linux 5.5): %s",
				     strerror(errno));
	return 0;
}

static int keep_link(struct vg_tool_ctx *t, struct bpf_link *link)
{
	if (t->nlinks == (int)(sizeof(t->links) / sizeof(t->links[0]))) {
		bpf_link__destroy(link);
		return vg_tool_error(t, "too many programs");
	}
	t->links[t->nlinks++] = link;
	return 0;
}

int vg_tool_attach(struct vg_tool_ctx *t)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, t->obj) {
		struct hook_desc d;
		struct bpf_link *link;
		char name[160];

		if (!bpf_program__autoload(prog) || !describe(prog, &d) || d.mechanism == VG_MECH_UPROBE)
			continue;
		if (!(link = bpf_program__attach(prog))) {
			hook_name(&d, name, sizeof(name));
			return vg_tool_error(t, "%s (%s) does not attach: %s", bpf_program__name(prog), name,
					     strerror(errno));
		}
		if (keep_link(t, link) < 0)
			return -1;
	}
	return 0;
}

int vg_tool_uprobe(struct vg_tool_ctx *t, struct bpf_program *prog, const struct vg_uprobe_target *target)
{
	char why[512];
	struct bpf_link *link = vg_uprobe_attach(prog, target, why, sizeof(why));

	if (!link)
		return vg_tool_error(t, "no mechanism here: %s", why);
	return keep_link(t, link);
}

/* ---- the loop -------------------------------------------------------------------- */

struct ring_ctx {
	struct vg_tool_ctx *t;
	const struct vg_tool_loop *l;
	uint64_t malformed;
};

static void report_losses(struct vg_tool_ctx *t, uint64_t malformed);

static int on_sample(void *arg, void *data, size_t size)
{
	struct ring_ctx *r = arg;
	const struct vg_hdr *h = data;

	if (size < sizeof(*h) || size < r->l->min_record || h->size > size || h->size < r->l->min_record) {
		r->malformed++;
		return 0;
	}
	r->t->ev->raw = h;
	r->t->ev->arena_used = 0; /* strings of the previous record are done with */
	r->l->on_record(r->t, h, h->size);
	return 0;
}

bool vg_tool_stopping(void)
{
	return stop_requested;
}

void vg_tool_report_losses(struct vg_tool_ctx *t)
{
	report_losses(t, 0);
}

static void report_losses(struct vg_tool_ctx *t, uint64_t malformed)
{
	static const char *const names[] = {
#define VG_TOOL_LOSS_NAME(e, name) [VG_TOOL_LOSS_##e] = name,
		VG_TOOL_LOSSES(VG_TOOL_LOSS_NAME)
#undef VG_TOOL_LOSS_NAME
	};
	struct bpf_map *map = t->obj ? bpf_object__find_map_by_name(t->obj, "vg_tool_lost") : NULL;
	int ncpu = libbpf_num_possible_cpus();
	uint64_t lost[VG_TOOL_LOSS__COUNT] = { 0 }, total = 0;
	char line[256] = "";

	if (map && ncpu > 0) {
		__u64 *v = calloc((size_t)ncpu, sizeof(*v));

		for (__u32 r = 0; v && r < VG_TOOL_LOSS__COUNT; r++)
			if (bpf_map_lookup_elem(bpf_map__fd(map), &r, v) == 0)
				for (int c = 0; c < ncpu; c++)
					lost[r] += v[c];
		free(v);
	}
	for (int r = 0; r < VG_TOOL_LOSS__COUNT; r++) {
		total += lost[r];
		if (lost[r])
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s %llu", line[0] ? ", " : "",
				 names[r], (unsigned long long)lost[r]);
	}
	if (total)
		vg_tool_error(t, "lost %llu records (%s)", (unsigned long long)total, line);
	if (malformed)
		vg_tool_error(t, "%llu malformed records skipped", (unsigned long long)malformed);
}

int vg_tool_run_loop(struct vg_tool_ctx *t, const struct vg_tool_loop *l)
{
	struct ring_ctx rc = { t, l, 0 };
	struct ring_buffer *rb = NULL;
	uint64_t now = vg_now_boot_ns(), interval = (uint64_t)(l->interval_s * 1e9);
	uint64_t deadline = t->duration > 0 ? now + (uint64_t)(t->duration * 1e9) : 0;
	uint64_t next = interval ? now + interval : 0;
	unsigned ticks = 0;

	if (l->on_record) {
		struct bpf_map *map = bpf_object__find_map_by_name(t->obj, "vg_tool_events");

		if (!map || !(rb = ring_buffer__new(bpf_map__fd(map), on_sample, &rc, NULL)))
			return vg_tool_error(t, "cannot open the ring buffer: %s", strerror(errno));
	}
	t->start_ns = vg_now_boot_ns();
	fprintf(stderr, "%s... Hit Ctrl-C to end.\n", l->what);
	while (!stop_requested) {
		if (rb) {
			int n = ring_buffer__poll(rb, 50);

			if (n >= 0 || n == -EINTR)
				n = ring_buffer__consume(rb);
			if (n < 0 && n != -EINTR) {
				vg_tool_error(t, "ring buffer: %s", strerror(-n));
				break;
			}
		} else {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		vg_tool_flush(t);
		now = vg_now_boot_ns();
		if (next && now >= next && l->on_interval) {
			l->on_interval(t);
			vg_tool_flush(t);
			next += interval;
			if (next < now)
				next = now + interval;
			if (l->count && ++ticks >= l->count)
				break;
		}
		if (deadline && now >= deadline)
			break;
	}
	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
	}
	/* a summary tool reports once at the end; an interval tool reports the partial one,
	 * even right after a tick: what was counted during the tick's take (a counting tool
	 * takes an ended generation: loader/mapread.h) is in it */
	if (l->on_interval && (!interval || !l->count || ticks < l->count))
		l->on_interval(t);
	vg_tool_flush(t);
	report_losses(t, rc.malformed);
	return 0;
}

int vg_tool_done(struct vg_tool_ctx *t, int rc)
{
	for (int i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	t->nlinks = 0;
	return rc;
}

void vg_tool_flush(struct vg_tool_ctx *t)
{
	if (t->out.len) {
		fwrite(t->out.p, 1, t->out.len, stdout);
		vg_buf_reset(&t->out);
	}
	fflush(stdout);
}

int vg_tool_interval_args(struct vg_tool_ctx *t, double *interval, unsigned *count)
{
	char *end;

	if (t->nargs > 2)
		return vg_tool_error(t, "too many arguments (%s)", t->tool->positional);
	if (t->nargs > 0) {
		*interval = strtod(t->args[0], &end);
		if (*end || *interval <= 0)
			return vg_tool_error(t, "INTERVAL takes seconds, not '%s'", t->args[0]);
	}
	if (t->nargs > 1) {
		*count = (unsigned)strtoul(t->args[1], &end, 10);
		if (*end || *count == 0)
			return vg_tool_error(t, "COUNT takes a positive number, not '%s'", t->args[1]);
	}
	return 0;
}

/* ---- records ---------------------------------------------------------------------- */

const char *vg_rec_str(struct vg_tool_ctx *t, const struct vg_hdr *h, struct vg_str s, size_t *len)
{
	const char *p;
	size_t n;

	t->ev->raw = h;
	if (!vg_raw_bytes(t->ev, s, &p, &n))
		return NULL;
	if (len)
		*len = n;
	return p;
}

const char *vg_rec_path(struct vg_tool_ctx *t, const struct vg_hdr *h, struct vg_str s)
{
	t->ev->raw = h;
	return vg_add_path(t->ev, NULL, s, true, NULL);
}

const char *vg_rec_upath(struct vg_tool_ctx *t, const struct vg_hdr *h, const struct vg_upath *u)
{
	t->ev->raw = h;
	return vg_upath_join(t->ev, u, NULL);
}

/* ---- the command ------------------------------------------------------------------ */

static void usage(const struct vg_tool *tool, FILE *f)
{
	fprintf(f, "usage: vigil %s%s [options]%s%s\n  %s\n", tool->subcommand ? "" : "trace ", tool->name,
		tool->positional ? " " : "", tool->positional ? tool->positional : "", tool->summary);
	if (tool->usage)
		fputs(tool->usage, f);
	fputs(common_usage, f);
}

/* Common options, then the tool's own. */
static int parse(struct vg_tool_ctx *t, int argc, char **argv)
{
	static const struct option common[] = {
		{ "pid", required_argument, NULL, 'p' },        { "container", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION }, { "format", required_argument, NULL, OPT_FORMAT },
		{ "context", no_argument, NULL, OPT_CONTEXT },  { "help", no_argument, NULL, 'h' },
	};
	const size_t ncommon = sizeof(common) / sizeof(common[0]);
	struct option longopts[64];
	char shortopts[64];
	size_t n = 0;
	int c;

	memcpy(longopts, common, sizeof(common));
	n = ncommon;
	for (const struct option *o = t->tool->longopts; o && o->name && n < 63; o++)
		longopts[n++] = *o;
	memset(&longopts[n], 0, sizeof(longopts[n]));
	snprintf(shortopts, sizeof(shortopts), "p:c:h%s", t->tool->shortopts);
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'p':
			t->pid = (pid_t)strtol(optarg, &end, 10);
			if (*end || t->pid <= 0)
				return vg_tool_error(t, "-p takes a process id, not '%s'", optarg);
			break;
		case 'c': t->container = optarg; break;
		case OPT_DURATION:
			t->duration = strtod(optarg, &end);
			if (*end || t->duration <= 0)
				return vg_tool_error(t, "--duration takes seconds, not '%s'", optarg);
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return vg_tool_error(t, "--format must be text or json, not '%s'", optarg);
			t->json = strcmp(optarg, "json") == 0;
			break;
		case OPT_CONTEXT: t->context = true; break;
		case 'h': usage(t->tool, stdout); exit(0);
		case '?': usage(t->tool, stderr); return -1;
		default:
			if (!t->tool->option || t->tool->option(t, c, optarg) < 0)
				return -1;
		}
	}
	for (; optind < argc; optind++) {
		if (!t->tool->positional || t->nargs == VG_TOOL_MAX_ARGS)
			return vg_tool_error(t, "unexpected argument '%s'", argv[optind]);
		t->args[t->nargs++] = argv[optind];
	}
	return 0;
}

int vg_tool_main(const struct vg_tool *tool, int argc, char **argv)
{
	static struct vg_tool_ctx t; /* large (an event's arena): not on the stack */
	struct sigaction sa = { .sa_handler = on_signal };
	const char *fatal;
	char why[256];
	int rc;

	t.tool = tool;
	t.ev = vg_event_buf_init(&t.evbuf);
	if (parse(&t, argc, argv) < 0)
		return 2;
	vg_features_probe(&t.features);
	if ((fatal = vg_features_fatal(&t.features)))
		return vg_tool_error(&t, "cannot run: %s", fatal), 1;
	if (t.container && vg_cgroup_find_container(t.container, t.cgroup_dir, sizeof(t.cgroup_dir), why,
						     sizeof(why)) < 0)
		return vg_tool_error(&t, "-c %s: %s", t.container, why), 1;
	libbpf_verbose = getenv("VIGIL_LIBBPF_DEBUG") != NULL;
	libbpf_set_print(libbpf_print);
	vg_clock_init();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = tool->run(&t) < 0 ? 1 : 0;
	vg_tool_done(&t, rc);
	vg_tool_flush(&t);
	vg_buf_free(&t.out);
	free(t.procs);
	return rc;
}

/* ---- vigil trace --list ------------------------------------------------------------ */

/* One hook of a tool's object: its target and the mechanisms that can reach it
 * (alternatives: tp_btf/x and raw_tp/x), and whether one is available here. */
struct list_hook {
	char mechs[64];   /* "tp_btf or raw_tp" */
	char target[128]; /* "syscalls/sys_exit_openat", "sched_process_exec" */
	bool ok;
};

/* Appends hooks[first..last) as "tracepoint syscalls/sys_exit_{open,openat}": one group
 * shares mechanisms and category, and the names their common prefix (up to a '_'). */
static void put_group(char *out, size_t len, const struct list_hook *h, size_t first, size_t last)
{
	const char *slash = strrchr(h[first].target, '/');
	size_t cat = slash ? (size_t)(slash - h[first].target) + 1 : 0, pre = strlen(h[first].target);

	for (size_t i = first + 1; i < last; i++) {
		size_t k = 0;

		while (k < pre && h[i].target[k] == h[first].target[k])
			k++;
		pre = k;
	}
	while (last - first > 1 && pre > cat && h[first].target[pre - 1] != '_')
		pre--; /* whole words: sys_exit_{execve,execveat} */
	if (pre < cat)
		pre = cat;
	snprintf(out + strlen(out), len - strlen(out), "%s%s %.*s", out[0] ? ", " : "", h[first].mechs, (int)pre,
		 h[first].target);
	if (last - first == 1) {
		snprintf(out + strlen(out), len - strlen(out), "%s", h[first].target + pre);
		return;
	}
	for (size_t i = first; i < last; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s", i == first ? "{" : ",", h[i].target + pre);
	snprintf(out + strlen(out), len - strlen(out), "}");
}

static bool same_group(const struct list_hook *a, const struct list_hook *b)
{
	const char *sa = strrchr(a->target, '/'), *sb = strrchr(b->target, '/');

	return strcmp(a->mechs, b->mechs) == 0 && sa && sb && sa - a->target == sb - b->target &&
	       strncmp(a->target, b->target, (size_t)(sa - a->target)) == 0;
}

/* Per tool: whether every hook of its object has a mechanism here (why when not), and the
 * hooks, described from the object itself. */
static bool tool_hooks(const struct vg_tool *tool, const struct vg_features *f, char *hooks, size_t hlen, char *why,
		       size_t wlen)
{
	static struct list_hook h[64];
	size_t n = 0, sz = 0;
	const void *elf = tool->elf_bytes(&sz);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = tool->name);
	struct bpf_object *obj = bpf_object__open_mem(elf, sz, &opts);
	struct bpf_program *prog;
	bool ok = true;

	hooks[0] = why[0] = 0;
	if (!obj) {
		snprintf(why, wlen, "cannot open its BPF object: %s", strerror(errno));
		return false;
	}
	bpf_object__for_each_program(prog, obj) {
		struct hook_desc d;
		char one[256];
		size_t i;
		bool avail;

		if (!describe(prog, &d) || n == 64)
			continue;
		avail = f->privileged ? hook_available(f, &d, one, sizeof(one)) : true;
		if (d.mechanism == VG_MECH_UPROBE && tool->uprobe) {
			char path[4096];

			snprintf(d.target, sizeof(d.target), "%s:%s", tool->uprobe->binary, tool->uprobe->func);
			if (avail && f->privileged && vg_uprobe_resolve(tool->uprobe, path, sizeof(path), one, sizeof(one)) < 0)
				avail = false; /* the function is not on this host */
		}
		for (i = 0; i < n && strcmp(h[i].target, d.target) != 0; i++)
			;
		if (i < n) { /* an alternative */
			snprintf(h[i].mechs + strlen(h[i].mechs), sizeof(h[i].mechs) - strlen(h[i].mechs), " or %s",
				 vg_mechanism_name(d.mechanism));
			h[i].ok |= avail;
			continue;
		}
		snprintf(h[n].mechs, sizeof(h[n].mechs), "%s",
			 d.mechanism == VG_MECH_UPROBE ? bpf_program__section_name(prog) : vg_mechanism_name(d.mechanism));
		snprintf(h[n].target, sizeof(h[n].target), "%s", d.target);
		h[n++].ok = avail;
		if (!avail && !why[0])
			snprintf(why, wlen, "%s", one);
	}
	for (size_t first = 0, last; first < n; first = last) {
		for (last = first + 1; last < n && same_group(&h[first], &h[last]); last++)
			;
		put_group(hooks, hlen, h, first, last);
	}
	for (size_t i = 0; i < n; i++)
		ok &= h[i].ok;
	if (ok)
		why[0] = 0;
	bpf_object__close(obj);
	return ok;
}

static void markdown_tool(FILE *out, const struct vg_tool *tool)
{
	struct vg_features none = { 0 }; /* not probed: the hooks as the object names them */
	char hooks[1024], why[512];

	tool_hooks(tool, &none, hooks, sizeof(hooks), why, sizeof(why));
	fprintf(out, "### %s\n\n%s.\n\n`vigil %s%s [options]%s%s`\n\nHooks: %s.\n\n", tool->name, tool->summary,
		tool->subcommand ? "" : "trace ", tool->name, tool->positional ? " " : "",
		tool->positional ? tool->positional : "", hooks);
	if (tool->usage)
		fprintf(out, "```text\n%s```\n\n", tool->usage);
}

void vg_tool_markdown(FILE *out, const struct vg_tool *extra)
{
	const struct vg_tool *tool;

	fprintf(out, "Options every tool takes:\n\n```text\n%s```\n\n", common_usage);
	for (size_t i = 0; (tool = vg_tool_at(i)); i++)
		markdown_tool(out, tool);
	if (extra)
		markdown_tool(out, extra);
}

int vg_tool_list(int argc, char **argv)
{
	struct vg_features f;
	struct vg_buf b = { 0 };
	bool json = argc > 2 && strcmp(argv[1], "--format") == 0 && strcmp(argv[2], "json") == 0;
	const struct vg_tool *tool;

	vg_features_probe(&f);
	libbpf_set_print(libbpf_print);
	if (json)
		vg_buf_puts(&b, "{\"tools\":[");
	for (size_t i = 0; (tool = vg_tool_at(i)); i++) {
		char hooks[1024], why[512];
		bool ok = tool_hooks(tool, &f, hooks, sizeof(hooks), why, sizeof(why));

		if (!json) {
			vg_buf_printf(&b, "%-13s %s\n%-13s %s%s%s\n", tool->name, tool->summary, "",
				      ok ? "" : "NO MECHANISM HERE: ", ok ? hooks : why, ok ? "" : "");
			continue;
		}
		vg_buf_printf(&b, "%s{\"tool\":", i ? "," : "");
		vg_json_cstr(&b, tool->name);
		vg_buf_puts(&b, ",\"summary\":");
		vg_json_cstr(&b, tool->summary);
		vg_buf_printf(&b, ",\"available\":%s,\"hooks\":", ok ? "true" : "false");
		vg_json_cstr(&b, hooks);
		if (!ok) {
			vg_buf_puts(&b, ",\"why\":");
			vg_json_cstr(&b, why);
		}
		vg_buf_putc(&b, '}');
	}
	if (json)
		vg_buf_puts(&b, "]}\n");
	if (!f.privileged && !json)
		vg_buf_puts(&b, "(not root: whether each hook is available here is not probed)\n");
	fwrite(b.p, 1, b.len, stdout);
	vg_buf_free(&b);
	return 0;
}

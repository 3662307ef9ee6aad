/* loader.c — load with fallback. libbpf loads a whole object at once, so when the
 * verifier rejects one program the loader finds which (the one whose own verifier log
 * libbpf filled: bpf_program__set_log_buf), rules that alternative out, reopens the object
 * and tries again with the next alternative (or without that component). Mechanisms the
 * kernel lacks (features.h) and tp_btf targets missing from its BTF are ruled out before
 * any load. One bad program never stops the agent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "event.h"
#include "loader/hooks.h"
#include "loader/loader.h"

#define MAX_ATTEMPTS 16
#define VERIFIER_LOG 16384 /* per program; a longer log is cut, which still tells who failed */

/* libbpf's last warning, for the message when the object cannot load at all. */
static char libbpf_last[512];
static bool libbpf_verbose;

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

static const struct vg_hook *hook(size_t i)
{
	return vg_hook_at(i);
}

static size_t hook_count(void)
{
	size_t n = 0;

	while (hook(n))
		n++;
	return n < VG_HOOKS_MAX ? n : VG_HOOKS_MAX;
}

#define FOR_EACH_PROG(alt, p, prog, skel)                                                   \
	for (int p = 0; p < VG_ALT_PROGS && (alt)->progs[p] &&                              \
			((prog) = vg_hook_prog((skel), (alt)->progs[p]), true); p++)

/* A tp_btf program needs its tracepoint in the kernel's BTF ("tp_btf/NAME"). */
static bool target_missing(struct bpf_program *prog, char *why, size_t len)
{
	const char *sec = bpf_program__section_name(prog);

	if (bpf_program__expected_attach_type(prog) != BPF_TRACE_RAW_TP || strncmp(sec, "tp_btf/", 7) != 0)
		return false;
	if (libbpf_find_vmlinux_btf_id(sec + 7, BPF_TRACE_RAW_TP) >= 0)
		return false;
	snprintf(why, len, "tracepoint %s is not in the kernel's BTF", sec + 7);
	return true;
}

/* Whether alternative a of hook i can be tried on this kernel; rules it out otherwise. */
static bool alt_possible(struct vg_loader *l, size_t i, int a)
{
	const struct vg_hook_alt *alt = &hook(i)->alts[a];
	struct vg_hook_state *s = &l->hooks[i];
	struct bpf_program *prog;
	const char *why;
	char missing[128], path[4096];

	if (!vg_mechanism_available(&l->features, alt->mechanism, &why)) {
		s->failed[a] = true;
		snprintf(s->why, sizeof(s->why), "%s: %s", vg_mechanism_name(alt->mechanism), why);
		return false;
	}
	FOR_EACH_PROG(alt, p, prog, l->skel)
		if (target_missing(prog, missing, sizeof(missing))) {
			s->failed[a] = true;
			snprintf(s->why, sizeof(s->why), "%s: %s", vg_mechanism_name(alt->mechanism), missing);
			return false;
		}
	for (int p = 0; alt->mechanism == VG_MECH_UPROBE && p < VG_ALT_PROGS && alt->progs[p]; p++) {
		const struct vg_uprobe_target *target = vg_hook_uprobe(alt->progs[p]);

		if (!target)
			snprintf(missing, sizeof(missing), "no uprobe target for %s",
				 bpf_program__name(vg_hook_prog(l->skel, alt->progs[p])));
		if (!target || vg_uprobe_resolve(target, path, sizeof(path), missing, sizeof(missing)) < 0) {
			s->failed[a] = true;
			snprintf(s->why, sizeof(s->why), "%s: %s", vg_mechanism_name(alt->mechanism), missing);
			return false;
		}
	}
	return true;
}

/* Picks, for every wanted hook, the first alternative not ruled out. */
static void choose(struct vg_loader *l)
{
	for (size_t i = 0; i < hook_count(); i++) {
		const struct vg_hook *h = hook(i);
		struct vg_hook_state *s = &l->hooks[i];

		s->alt = -1;
		if (!l->want[h->type])
			continue;
		if (h->optional == VG_SANDBOX_ONLY && !l->kc.sandbox) {
			snprintf(s->why, sizeof(s->why), "sandbox profile only");
			continue;
		}
		for (int a = 0; a < VG_ALT_MAX && VG_ALT_EXISTS(h, a); a++)
			if (!s->failed[a] && alt_possible(l, i, a)) {
				s->alt = a;
				break;
			}
	}
}

/* Autoloads exactly the chosen alternatives' programs, each with its own verifier log. */
static void set_autoload(struct vg_loader *l, char (*logs)[VERIFIER_LOG], size_t nlogs)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, l->skel->obj) {
		bpf_program__set_autoload(prog, false);
		if (n < nlogs) {
			logs[n][0] = 0;
			bpf_program__set_log_buf(prog, logs[n++], VERIFIER_LOG);
		}
	}
	for (size_t i = 0; i < hook_count(); i++) {
		if (l->hooks[i].alt < 0)
			continue;
		FOR_EACH_PROG(&hook(i)->alts[l->hooks[i].alt], p, prog, l->skel)
			bpf_program__set_autoload(prog, true);
	}
}

/* Rules out every chosen alternative that uses prog; false when none does. */
static bool rule_out(struct vg_loader *l, const struct bpf_program *failed, const char *why)
{
	bool found = false;

	for (size_t i = 0; i < hook_count(); i++) {
		struct vg_hook_state *s = &l->hooks[i];
		const struct vg_hook_alt *alt;
		struct bpf_program *prog;

		if (s->alt < 0)
			continue;
		alt = &hook(i)->alts[s->alt];
		FOR_EACH_PROG(alt, p, prog, l->skel)
			if (prog == failed) {
				s->failed[s->alt] = true;
				snprintf(s->why, sizeof(s->why), "%s%s%s: %s", vg_mechanism_name(alt->mechanism),
					 alt->helper ? "+" : "", alt->helper ? alt->helper : "", why);
				found = true;
			}
	}
	return found;
}

const char *vg_verifier_reason(char *log)
{
	char *end = log + strlen(log), *line;

	for (;;) {
		while (end > log && end[-1] == '\n')
			*--end = '\0';
		line = end;
		while (line > log && line[-1] != '\n')
			line--;
		if (line == log || (strncmp(line, "processed ", 10) && strncmp(line, "verification time", 17)))
			return line;
		end = line;
	}
}

/* After a failed load: the program the verifier rejected (its log is not empty), or NULL. */
static struct bpf_program *rejected(struct vg_loader *l, char (*logs)[VERIFIER_LOG], size_t nlogs,
				    const char **why)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, l->skel->obj) {
		if (n < nlogs && bpf_program__autoload(prog) && logs[n][0]) {
			if (libbpf_verbose)
				fprintf(stderr, "vigil: verifier log of %s:\n%s\n", bpf_program__name(prog), logs[n]);
			*why = vg_verifier_reason(logs[n]);
			return prog;
		}
		n++;
	}
	return NULL;
}

static int open_and_load(struct vg_loader *l, char *err, size_t errlen)
{
	size_t nlogs = VG_HOOKS_MAX * 2;
	char (*logs)[VERIFIER_LOG] = calloc(nlogs, VERIFIER_LOG);
	int rc = -1;

	if (!logs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		struct bpf_program *bad;
		const char *why = "";
		int ret;

		l->skel = vigil_bpf__open();
		if (!l->skel) {
			snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
			break;
		}
		bpf_map__set_max_entries(l->skel->maps.vg_events, (__u32)l->kc.ring_size);
		l->layout = vg_pins_layout(l->skel->obj);
		vg_pins_maps(&l->pins, l->skel->obj, l->layout);
		l->skel->rodata->vg_generation = l->pins.generation;
		l->skel->rodata->vg_rate_per_sec = l->kc.rate_per_sec;
		l->skel->rodata->vg_rate_burst = l->kc.rate_burst;
		l->skel->rodata->vg_allow_cmdlines = l->kc.allow_cmdlines;
		choose(l);
		set_autoload(l, logs, nlogs);
		libbpf_last[0] = 0;
		ret = vigil_bpf__load(l->skel);
		if (ret == 0) {
			rc = 0;
			break;
		}
		bad = rejected(l, logs, nlogs, &why);
		if (!bad || !rule_out(l, bad, why)) {
			snprintf(err, errlen, "cannot load the BPF object: %s%s%.*s", strerror(-ret),
				 libbpf_last[0] ? " (libbpf: " : "", (int)strcspn(libbpf_last, "\n"), libbpf_last);
			if (libbpf_last[0])
				strncat(err, ")", errlen - strlen(err) - 1);
			vigil_bpf__destroy(l->skel);
			l->skel = NULL;
			break;
		}
		vigil_bpf__destroy(l->skel);
		l->skel = NULL;
		if (attempt == MAX_ATTEMPTS - 1)
			snprintf(err, errlen, "cannot load the BPF object: too many programs rejected");
	}
	/* the logs were only needed to find a rejected program */
	if (l->skel) {
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, l->skel->obj)
			bpf_program__set_log_buf(prog, NULL, 0);
	}
	free(logs);
	return rc;
}

/* The control map, shared with the kernel by mmap: the live generation and the agent's
 * identity are plain stores, and the reader counts every record it takes in it. */
static int map_control(struct vg_loader *l, char *err, size_t errlen)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(l->skel->maps.vg_control), 0);

	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the control map: %s", strerror(errno));
		return -1;
	}
	l->control = p;
	return 0;
}

static void clear_map(int fd, size_t key_size)
{
	char key[64];

	if (key_size > sizeof(key))
		return;
	while (bpf_map_get_next_key(fd, NULL, key) == 0)
		if (bpf_map_delete_elem(fd, key) < 0)
			break;
}

/* The id of a map, program or link fd; 0 when it cannot be read. */
static __u32 object_id(int fd, int kind)
{
	union {
		struct bpf_map_info map;
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return 0;
	return kind == VG_SELF_MAP ? info.map.id : kind == VG_SELF_PROG ? info.prog.id : info.link.id;
}

static void add_self(struct vg_loader_wrote *w, int kind, int fd)
{
	__u32 id = object_id(fd, kind);

	if (id && w->nself < VG_SELF_OBJECTS_MAX)
		w->self[w->nself++] = (struct vg_self_key){ .kind = (__u32)kind, .id = id };
}

/* The kernel flags bpf() calls on these (VG_F_AT_AGENT): every map, loaded program and
 * link of the object, as of now (links change with the interest). */
static void register_self(struct vg_loader *l)
{
	int fd = bpf_map__fd(l->skel->maps.vg_self_objects);
	struct vg_loader_wrote *w = &l->wrote;
	struct bpf_program *prog;
	struct bpf_map *map;
	__u8 one = 1;

	w->nself = 0;
	bpf_object__for_each_map(map, l->skel->obj)
		add_self(w, VG_SELF_MAP, bpf_map__fd(map));
	bpf_object__for_each_program(prog, l->skel->obj)
		add_self(w, VG_SELF_PROG, bpf_program__fd(prog));
	for (int i = 0; i < l->nlinks; i++)
		if (l->links[i])
			add_self(w, VG_SELF_LINK, bpf_link__fd(l->links[i]));
	clear_map(fd, sizeof(struct vg_self_key));
	for (int i = 0; i < w->nself; i++)
		bpf_map_update_elem(fd, &w->self[i], &one, BPF_ANY);
}

/* Drops a link; a pinned one is unpinned first, or it would stay attached. */
static void drop_link(struct bpf_link *link)
{
	if (bpf_link__pin_path(link))
		bpf_link__unpin(link);
	bpf_link__destroy(link);
}

/* The link of a program, or NULL; links are kept per program because one program can
 * serve several hooks (one exec check for three events). */
static struct bpf_link **link_slot(struct vg_loader *l, struct bpf_program *prog, bool create)
{
	for (int i = 0; i < l->nlinks; i++)
		if (l->link_prog[i] == prog)
			return &l->links[i];
	if (!create || l->nlinks == (int)(sizeof(l->links) / sizeof(l->links[0])))
		return NULL;
	l->link_prog[l->nlinks] = prog;
	l->links[l->nlinks] = NULL;
	return &l->links[l->nlinks++];
}

static bool prog_wanted(const struct vg_loader *l, const struct bpf_program *wanted, const bool types[VG_EV__COUNT])
{
	for (size_t i = 0; i < hook_count(); i++) {
		struct bpf_program *prog;

		if (l->hooks[i].alt < 0 || !types[hook(i)->type])
			continue;
		FOR_EACH_PROG(&hook(i)->alts[l->hooks[i].alt], p, prog, l->skel)
			if (prog == wanted)
				return true;
	}
	return false;
}

int vg_loader_attach_types(struct vg_loader *l, const bool types[VG_EV__COUNT])
{
	int missing = 0;

	memcpy(l->active, types, sizeof(l->active));
	/* first drop what is no longer wanted, then attach what is */
	for (int i = 0; i < l->nlinks; i++)
		if (l->links[i] && !prog_wanted(l, l->link_prog[i], types)) {
			drop_link(l->links[i]);
			l->links[i] = NULL;
		}
	for (size_t i = 0; i < hook_count(); i++) {
		struct vg_hook_state *s = &l->hooks[i];
		const struct vg_hook_alt *alt;
		struct bpf_program *prog;

		s->attached = false;
		if (s->alt < 0 || !types[hook(i)->type])
			continue;
		alt = &hook(i)->alts[s->alt];
		s->attached = true;
		FOR_EACH_PROG(alt, p, prog, l->skel) {
			struct bpf_link **slot = link_slot(l, prog, true);
			char why[sizeof(s->why)] = "";

			if (slot && *slot)
				continue;
			if (slot && alt->mechanism == VG_MECH_UPROBE) /* by function: uprobe.h finds the file */
				*slot = vg_uprobe_attach(prog, vg_hook_uprobe(alt->progs[p]), why, sizeof(why));
			else if (slot)
				*slot = bpf_program__attach(prog);
			if (slot && *slot && vg_pins_link(&l->pins, *slot, bpf_program__name(prog)) < 0)
				fprintf(stderr, "vigil: cannot pin the link of %s in %s: %s (it ends with this agent)\n",
					bpf_program__name(prog), l->pins.dir, strerror(errno));
			if (!slot || !*slot) {
				if (!why[0])
					snprintf(why, sizeof(why), "%s does not attach: %s", bpf_program__name(prog),
						 slot ? strerror(errno) : "too many links");
				snprintf(s->why, sizeof(s->why), "%s: %s", vg_mechanism_name(alt->mechanism), why);
				s->attached = false;
				missing++;
			}
		}
	}
	register_self(l);
	return missing ? -1 : 0;
}

int vg_loader_start(struct vg_loader *l, const bool want[VG_EV__COUNT], const struct vg_kconfig *kc,
		    const struct vg_features *features, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	memcpy(l->want, want, sizeof(l->want));
	l->kc = *kc;
	l->features = *features;
	libbpf_verbose = getenv("VIGIL_LIBBPF_DEBUG") != NULL;
	libbpf_set_print(libbpf_print);
	if (!kc->pin_dir)
		vg_pins_none(&l->pins);
	else if (vg_pins_open(&l->pins, kc->pin_dir, err, errlen) < 0)
		return -1;
	if (open_and_load(l, err, errlen) < 0 || map_control(l, err, errlen) < 0)
		return -1;
	/* the lists an earlier agent wrote are not this one's */
	clear_map(bpf_map__fd(l->skel->maps.vg_allow_exe), sizeof(struct vg_inode_key));
	clear_map(bpf_map__fd(l->skel->maps.vg_allow_cmd), sizeof(__u64));
	return 0;
}

void vg_loader_go_live(struct vg_loader *l)
{
	struct vg_control *c = l->control;

	c->layout = l->layout;
	c->ring_size = l->kc.ring_size;
	c->self_pid = (__u32)getpid();
	vg_inode_key_of("/proc/self/exe", &c->self_exe);
	c->restarts += l->pins.took_over;
	c->clean_exit = 0;
	c->heartbeat_ns = vg_now_boot_ns();
	__atomic_store_n(&c->generation, l->pins.generation, __ATOMIC_RELEASE);
	vg_pins_retire(&l->pins);
}

bool vg_loader_loaded(const struct vg_loader *l, unsigned type)
{
	return type < VG_EV__COUNT && l->want[type];
}

#define DETACH_THREADS 16

struct detach_job {
	struct bpf_link **links;
	int first, n, stride;
};

static void *detach_some(void *arg)
{
	struct detach_job *j = arg;

	for (int i = j->first; i < j->n; i += j->stride)
		bpf_link__destroy(j->links[i]);
	return NULL;
}

/* Pinned links outlive the agent: only this process's hold on them goes. */
static void release_pinned(struct vg_loader *l)
{
	for (int i = 0; i < l->nlinks; i++)
		if (l->links[i]) {
			bpf_link__disconnect(l->links[i]);
			bpf_link__destroy(l->links[i]);
		}
	l->nlinks = 0;
}

/* Each tracepoint detach waits for an RCU grace period (tens of ms here); one after the
 * other, a hundred links took seconds. Threads let the waits overlap. */
void vg_loader_detach(struct vg_loader *l)
{
	pthread_t tid[DETACH_THREADS];
	struct detach_job jobs[DETACH_THREADS];
	int started = 0;

	if (l->pins.lock_fd >= 0) {
		release_pinned(l);
		return;
	}
	for (int t = 0; t < DETACH_THREADS && t < l->nlinks; t++) {
		jobs[t] = (struct detach_job){ l->links, t, l->nlinks, DETACH_THREADS };
		if (pthread_create(&tid[t], NULL, detach_some, &jobs[t]) != 0)
			detach_some(&jobs[t]);
		else
			tid[started++] = tid[t];
	}
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	l->nlinks = 0;
}

size_t vg_loader_attached_progs(const struct vg_loader *l, struct bpf_program **out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < l->nlinks && n < max; i++)
		if (l->links[i])
			out[n++] = l->link_prog[i];
	return n;
}

void vg_loader_free(struct vg_loader *l)
{
	vg_loader_detach(l);
	if (l->control)
		munmap(l->control, (size_t)sysconf(_SC_PAGESIZE));
	l->control = NULL;
	if (l->skel)
		vigil_bpf__destroy(l->skel);
	l->skel = NULL;
	vg_pins_close(&l->pins);
}

int vg_loader_set_interest(struct vg_loader *l, const bool interest[VG_EV__COUNT])
{
	int fd = bpf_map__fd(l->skel->maps.vg_interest);

	memcpy(l->wrote.interest, interest, sizeof(l->wrote.interest));
	for (__u32 t = 0; t < VG_EV__COUNT; t++) {
		__u8 on = interest[t];

		if (bpf_map_update_elem(fd, &t, &on, BPF_ANY) < 0)
			return -1;
	}
	return 0;
}

bool vg_loader_event_ok(const struct vg_loader *l, unsigned type)
{
	bool any = VG_EV_FROM_AGENT(type);

	for (size_t i = 0; i < hook_count(); i++) {
		if (hook(i)->type != type)
			continue;
		any = true;
		if (!hook(i)->optional && !l->hooks[i].attached)
			return false;
	}
	return any;
}

void vg_loader_describe(const struct vg_loader *l, unsigned type, char *out, size_t len)
{
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < hook_count() && used < len; i++) {
		const struct vg_hook *h = hook(i);
		const struct vg_hook_state *s = &l->hooks[i];
		int n;

		if (h->type != type)
			continue;
		if (!l->want[type])
			n = snprintf(out, len, "off (not selected)");
		else if (s->attached)
			n = snprintf(out + used, len - used, "%s%s%s%s: %s", used ? "; " : "",
				     vg_mechanism_name(h->alts[s->alt].mechanism), h->alts[s->alt].helper ? "+" : "",
				     h->alts[s->alt].helper ? h->alts[s->alt].helper : "", h->what);
		else
			n = snprintf(out + used, len - used, "%s%s unavailable (%s)", used ? "; " : "", h->what,
				     s->why[0] ? s->why : "no mechanism loads here");
		if (n < 0)
			break;
		used += (size_t)n;
		if (!l->want[type])
			break;
	}
	if (!used)
		snprintf(out, len, VG_EV_FROM_AGENT(type) ? "raised by the agent (user space)" : "no hook table lists it (src/loader/hooks_*.c)");
}

void vg_loader_catalog_markdown(FILE *out)
{
	fputs("| id | event | profile | hooks (mechanisms in the order the loader tries them) |\n|---|---|---|---|\n", out);
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		bool first = true;

		fprintf(out, "| %u | %s | %s | ", vg_event_id(t), vg_event_name(t),
			vg_event_profile(t) == 1 ? "default" : "sandbox");
		for (size_t i = 0; i < hook_count(); i++) {
			const struct vg_hook *h = hook(i);

			if (h->type != t)
				continue;
			fprintf(out, "%s", first ? "" : "; ");
			for (int a = 0; a < VG_ALT_MAX && VG_ALT_EXISTS(h, a); a++)
				fprintf(out, "%s%s%s%s", a ? " → " : "", vg_mechanism_name(h->alts[a].mechanism),
					h->alts[a].helper ? "+" : "", h->alts[a].helper ? h->alts[a].helper : "");
			fprintf(out, ": %s%s%s", h->what, h->optional == VG_SANDBOX_ONLY ? " (sandbox profile only)" : "",
				h->optional == true ? " (optional)" : "");
			first = false;
		}
		fputs(!first ? " |\n" : VG_EV_FROM_AGENT(t) ? "none: raised by the agent itself (src/protect/) |\n"
					    : "no mechanism on any kernel yet |\n", out);
	}
}

void vg_loader_report(const struct vg_loader *l)
{
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		bool any = false;

		for (size_t i = 0; i < hook_count() && !any; i++)
			any = hook(i)->type == t;
		if (l->active[t] && !any && !VG_EV_FROM_AGENT(t))
			fprintf(stderr, "vigil: no event %s: no mechanism observes it on this kernel\n",
				vg_event_name(t));
	}
	for (size_t i = 0; i < hook_count(); i++) {
		const struct vg_hook *h = hook(i);
		const struct vg_hook_state *s = &l->hooks[i];

		if (!l->active[h->type] || s->attached)
			continue;
		fprintf(stderr, "vigil: %s event %s: %s unavailable: %s\n", h->optional ? "degraded" : "no",
			vg_event_name(h->type), h->what, s->why[0] ? s->why : "no mechanism loads here");
	}
}

struct vg_inode_key vg_inode_key_from_stat(const struct stat *st)
{
	struct vg_inode_key key = { ((__u64)major(st->st_dev) << 20) | minor(st->st_dev), st->st_ino };

	return key;
}

int vg_inode_key_of(const char *path, struct vg_inode_key *key)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	*key = vg_inode_key_from_stat(&st);
	return 0;
}

int vg_loader_allow_exe(struct vg_loader *l, const char *path)
{
	struct vg_inode_key key;
	__u8 on = 1;

	if (vg_inode_key_of(path, &key) < 0)
		return -1;
	if (l->wrote.nallow_exe == VG_ALLOW_MAX) {
		errno = ENOSPC;
		return -1;
	}
	l->wrote.allow_exe[l->wrote.nallow_exe++] = key;
	return bpf_map_update_elem(bpf_map__fd(l->skel->maps.vg_allow_exe), &key, &on, BPF_ANY);
}

int vg_loader_kill_exes(struct vg_loader *l, const char *const *paths, int n)
{
	int fd = bpf_map__fd(l->skel->maps.vg_kill_exe), set = 0;
	struct vg_inode_key key, next;
	__u8 on = 1;

	/* replace the whole set: clear, then add */
	while (bpf_map_get_next_key(fd, NULL, &next) == 0)
		bpf_map_delete_elem(fd, &next);
	l->wrote.nkill = 0;
	for (int i = 0; i < n && set < VG_KILL_EXES_MAX; i++)
		if (vg_inode_key_of(paths[i], &key) == 0 && bpf_map_update_elem(fd, &key, &on, BPF_ANY) == 0)
			l->wrote.kill[set++] = key;
	l->wrote.nkill = set;
	return set;
}

uint64_t vg_cmdline_hash(const char *argv, size_t len)
{
	uint64_t h = VG_FNV_OFFSET;

	if (len > VG_CMDHASH_LEN)
		len = VG_CMDHASH_LEN;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)argv[i]) * VG_FNV_PRIME;
	return h;
}

int vg_loader_allow_cmdline(struct vg_loader *l, const char *cmdline)
{
	size_t len = strlen(cmdline) + 1; /* argv as captured ends with the last argument's NUL */
	char *argv = strdup(cmdline);
	__u64 h;
	__u8 on = 1;
	int rc;

	if (!argv)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (argv[i] == ' ')
			argv[i] = 0;
	h = vg_cmdline_hash(argv, len);
	free(argv);
	if (l->wrote.nallow_cmd == VG_ALLOW_MAX) {
		errno = ENOSPC;
		return -1;
	}
	l->wrote.allow_cmd[l->wrote.nallow_cmd++] = h;
	rc = bpf_map_update_elem(bpf_map__fd(l->skel->maps.vg_allow_cmd), &h, &on, BPF_ANY);
	return rc;
}

/* Whether the process pid (its /proc directory) is one the allowlists name. */
static bool allowed_now(struct vg_loader *l, const char *pid)
{
	char path[64], argv[VG_CMDHASH_LEN];
	struct vg_inode_key key;
	__u64 h;
	__u8 on;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	if (vg_inode_key_of(path, &key) == 0 &&
	    bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.vg_allow_exe), &key, &on) == 0)
		return true;
	if (!l->kc.allow_cmdlines)
		return false;
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, argv, sizeof(argv)); /* NUL-separated with a final NUL, as the kernel captures it */
	close(fd);
	h = vg_cmdline_hash(argv, n > 0 ? (size_t)n : 0);
	return n > 0 && bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.vg_allow_cmd), &h, &on) == 0;
}

int vg_loader_allow_running(struct vg_loader *l)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	__u32 allowed = VG_TASK_ALLOWED;
	int marked = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		__u32 tgid = (__u32)strtoul(de->d_name, NULL, 10);

		if (tgid && tgid != (__u32)getpid() && allowed_now(l, de->d_name) &&
		    bpf_map_update_elem(bpf_map__fd(l->skel->maps.vg_task_flags), &tgid, &allowed, BPF_ANY) == 0)
			marked++;
	}
	closedir(d);
	return marked;
}

int vg_loader_ring_fd(const struct vg_loader *l)
{
	return bpf_map__fd(l->skel->maps.vg_events);
}

int vg_loader_seq_fd(const struct vg_loader *l)
{
	return bpf_map__fd(l->skel->maps.vg_seq);
}

int vg_loader_drops_fd(const struct vg_loader *l)
{
	return bpf_map__fd(l->skel->maps.vg_drops);
}

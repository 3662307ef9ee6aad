/* loader.c — load with fallback. libbpf loads a whole object at once, so when the
 * verifier rejects one program the loader learns which from libbpf's log, rules that
 * alternative out, reopens the object and tries again with the next alternative (or
 * without that component). One bad program never stops the agent. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "event.h"
#include "loader/hooks.h"
#include "loader/loader.h"
#include "vigil.skel.h"

#define MAX_ATTEMPTS 16

/* The tail of libbpf's messages, to find the program that failed to load. */
static char libbpf_log[16384];
static size_t libbpf_log_len;
static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (libbpf_verbose) {
		va_list copy;

		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (libbpf_log_len + (size_t)n >= sizeof(libbpf_log))
		libbpf_log_len = 0;
	memcpy(libbpf_log + libbpf_log_len, line, (size_t)n + 1);
	libbpf_log_len += (size_t)n;
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

static bool hook_wanted(const struct vg_loader *l, size_t i)
{
	return l->want[hook(i)->type];
}

/* Picks, for every wanted hook, the first alternative not ruled out. */
static void choose(struct vg_loader *l)
{
	for (size_t i = 0; i < hook_count(); i++) {
		const struct vg_hook *h = hook(i);
		struct vg_hook_state *s = &l->hooks[i];

		s->alt = -1;
		if (!hook_wanted(l, i))
			continue;
		if (h->optional == VG_SANDBOX_ONLY && !l->kc.sandbox) {
			snprintf(s->why, sizeof(s->why), "sandbox profile only");
			continue;
		}
		for (int a = 0; a < VG_ALT_MAX && h->alts[a].mechanism; a++)
			if (!s->failed[a]) {
				s->alt = a;
				break;
			}
	}
}

static void set_autoload(struct vg_loader *l)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, l->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < hook_count(); i++) {
		const struct vg_hook_alt *alt;

		if (l->hooks[i].alt < 0)
			continue;
		alt = &hook(i)->alts[l->hooks[i].alt];
		for (int p = 0; p < VG_ALT_PROGS && alt->progs[p]; p++) {
			prog = bpf_object__find_program_by_name(l->skel->obj, alt->progs[p]);
			if (prog)
				bpf_program__set_autoload(prog, true);
		}
	}
}

/* Rules out the alternative that uses prog_name; false when no chosen one does. */
static bool rule_out(struct vg_loader *l, const char *prog_name, const char *why)
{
	bool found = false;

	for (size_t i = 0; i < hook_count(); i++) {
		struct vg_hook_state *s = &l->hooks[i];
		const struct vg_hook_alt *alt;

		if (s->alt < 0)
			continue;
		alt = &hook(i)->alts[s->alt];
		for (int p = 0; p < VG_ALT_PROGS && alt->progs[p]; p++)
			if (strcmp(alt->progs[p], prog_name) == 0) {
				s->failed[s->alt] = true;
				snprintf(s->why, sizeof(s->why), "%s: %s", alt->mechanism, why);
				found = true;
			}
	}
	return found;
}

/* libbpf says "prog 'NAME': BPF program load failed: REASON" (or "failed to load"). */
static bool failed_prog(char *name, size_t nlen, char *why, size_t wlen)
{
	const char *p = libbpf_log, *hit = NULL;

	while ((p = strstr(p, "prog '"))) {
		const char *end = strchr(p + 6, '\'');

		if (end && (strncmp(end, "': BPF program load failed", 26) == 0 ||
			    strncmp(end, "': failed to load", 17) == 0 || strncmp(end, "': failed to attach", 19) == 0))
			hit = p;
		p += 6;
	}
	if (!hit)
		return false;
	{
		const char *end = strchr(hit + 6, '\''), *colon = strstr(end, "failed");
		const char *eol = strchr(colon, '\n');
		size_t n = (size_t)(end - hit - 6);

		snprintf(name, nlen, "%.*s", (int)(n < nlen ? n : nlen - 1), hit + 6);
		snprintf(why, wlen, "%.*s", eol ? (int)(eol - colon) : 120, colon);
	}
	return true;
}

static int open_and_load(struct vg_loader *l, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		char name[128], why[200];
		int rc;

		choose(l);
		l->skel = vigil_bpf__open();
		if (!l->skel) {
			snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
			return -1;
		}
		bpf_map__set_max_entries(l->skel->maps.vg_events, (__u32)l->kc.ring_size);
		l->skel->rodata->vg_self_pid = (__u32)getpid();
		l->skel->rodata->vg_rate_per_sec = l->kc.rate_per_sec;
		l->skel->rodata->vg_rate_burst = l->kc.rate_burst;
		l->skel->rodata->vg_allow_cmdlines = l->kc.allow_cmdlines;
		set_autoload(l);
		libbpf_log_len = 0;
		libbpf_log[0] = 0;
		rc = vigil_bpf__load(l->skel);
		if (rc == 0)
			return 0;
		vigil_bpf__destroy(l->skel);
		l->skel = NULL;
		if (!failed_prog(name, sizeof(name), why, sizeof(why)) || !rule_out(l, name, why)) {
			snprintf(err, errlen, "cannot load the BPF object: %s", strerror(-rc));
			return -1;
		}
	}
	snprintf(err, errlen, "cannot load the BPF object: too many programs rejected");
	return -1;
}

/* The link of a program, or NULL; links are kept per program because one program can
 * serve several hooks (one exec check for three events). */
static struct bpf_link **link_slot(struct vg_loader *l, const char *prog_name, bool create)
{
	for (int i = 0; i < l->nlinks; i++)
		if (strcmp(l->link_prog[i], prog_name) == 0)
			return &l->links[i];
	if (!create || l->nlinks == (int)(sizeof(l->links) / sizeof(l->links[0])))
		return NULL;
	l->link_prog[l->nlinks] = prog_name;
	l->links[l->nlinks] = NULL;
	return &l->links[l->nlinks++];
}

static bool prog_wanted(const struct vg_loader *l, const char *prog_name, const bool types[VG_EV__COUNT])
{
	for (size_t i = 0; i < hook_count(); i++) {
		const struct vg_hook_alt *alt;

		if (l->hooks[i].alt < 0 || !types[hook(i)->type])
			continue;
		alt = &hook(i)->alts[l->hooks[i].alt];
		for (int p = 0; p < VG_ALT_PROGS && alt->progs[p]; p++)
			if (strcmp(alt->progs[p], prog_name) == 0)
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
			bpf_link__destroy(l->links[i]);
			l->links[i] = NULL;
		}
	for (size_t i = 0; i < hook_count(); i++) {
		struct vg_hook_state *s = &l->hooks[i];
		const struct vg_hook_alt *alt;

		s->attached = false;
		if (s->alt < 0 || !types[hook(i)->type])
			continue;
		alt = &hook(i)->alts[s->alt];
		s->attached = true;
		for (int p = 0; p < VG_ALT_PROGS && alt->progs[p]; p++) {
			struct bpf_link **slot = link_slot(l, alt->progs[p], true);
			struct bpf_program *prog;

			if (slot && *slot)
				continue;
			prog = bpf_object__find_program_by_name(l->skel->obj, alt->progs[p]);
			if (slot && prog)
				*slot = bpf_program__attach(prog);
			if (!slot || !*slot) {
				snprintf(s->why, sizeof(s->why), "%s: %s does not attach: %s", alt->mechanism,
					 alt->progs[p], prog ? strerror(errno) : "not in the object");
				s->attached = false;
				missing++;
			}
		}
	}
	return missing ? -1 : 0;
}

int vg_loader_start(struct vg_loader *l, const bool want[VG_EV__COUNT], const struct vg_kconfig *kc,
		    char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	memcpy(l->want, want, sizeof(l->want));
	l->kc = *kc;
	libbpf_verbose = getenv("VIGIL_LIBBPF_DEBUG") != NULL;
	libbpf_set_print(libbpf_print);
	return open_and_load(l, err, errlen);
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

/* Each tracepoint detach waits for an RCU grace period (tens of ms here); one after the
 * other, a hundred links took seconds. Threads let the waits overlap. */
void vg_loader_detach(struct vg_loader *l)
{
	pthread_t tid[DETACH_THREADS];
	struct detach_job jobs[DETACH_THREADS];
	int started = 0;

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

void vg_loader_free(struct vg_loader *l)
{
	vg_loader_detach(l);
	if (l->skel)
		vigil_bpf__destroy(l->skel);
	l->skel = NULL;
}

int vg_loader_set_interest(struct vg_loader *l, const bool interest[VG_EV__COUNT])
{
	int fd = bpf_map__fd(l->skel->maps.vg_interest);

	for (__u32 t = 0; t < VG_EV__COUNT; t++) {
		__u8 on = interest[t];

		if (bpf_map_update_elem(fd, &t, &on, BPF_ANY) < 0)
			return -1;
	}
	return 0;
}

bool vg_loader_event_ok(const struct vg_loader *l, unsigned type)
{
	bool any = false;

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
			n = snprintf(out + used, len - used, "%s%s: %s", used ? "; " : "", h->alts[s->alt].mechanism,
				     h->what);
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
		snprintf(out, len, "not implemented on this kernel");
}

void vg_loader_report(const struct vg_loader *l)
{
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		bool any = false;

		for (size_t i = 0; i < hook_count() && !any; i++)
			any = hook(i)->type == t;
		if (l->active[t] && !any)
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

/* path's inode in the kernel's encoding (s_dev is major << 20 | minor). */
static int inode_key(const char *path, __u64 key[2])
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	key[0] = ((__u64)major(st.st_dev) << 20) | minor(st.st_dev);
	key[1] = st.st_ino;
	return 0;
}

int vg_loader_allow_exe(struct vg_loader *l, const char *path)
{
	__u64 key[2];
	__u8 on = 1;

	if (inode_key(path, key) < 0)
		return -1;
	return bpf_map_update_elem(bpf_map__fd(l->skel->maps.vg_allow_exe), key, &on, BPF_ANY);
}

int vg_loader_kill_exes(struct vg_loader *l, const char *const *paths, int n)
{
	int fd = bpf_map__fd(l->skel->maps.vg_kill_exe), set = 0;
	__u64 key[2], next[2];
	__u8 on = 1;

	/* replace the whole set: clear, then add */
	while (bpf_map_get_next_key(fd, NULL, next) == 0)
		bpf_map_delete_elem(fd, next);
	for (int i = 0; i < n; i++)
		if (inode_key(paths[i], key) == 0 && bpf_map_update_elem(fd, key, &on, BPF_ANY) == 0)
			set++;
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
	rc = bpf_map_update_elem(bpf_map__fd(l->skel->maps.vg_allow_cmd), &h, &on, BPF_ANY);
	return rc;
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

/* protect.c — the agent watching itself (see protect.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "agent/pipeline.h"
#include "agent_event.h"
#include "clock.h"
#include "loader/loader.h"
#include "protect/notify.h"
#include "protect/protect.h"
#include "reader/reader.h"

#define SECOND_NS 1000000000ull
#define STOP_MIN_NS (100 * 1000000ull)   /* a SIGCONT after a shorter gap stopped nothing */
#define RETELL_NS (60 * SECOND_NS)       /* a sink that keeps losing is told again this often */

static volatile sig_atomic_t continued;

static void on_sigcont(int sig)
{
	continued = 1;
}

static void put_str(char *rec, size_t *used, size_t cap, struct vg_str *s, const char *text)
{
	size_t len = text ? strlen(text) : 0;

	if (len > cap - *used)
		len = cap - *used;
	if (len > 0xffff)
		len = 0xffff;
	memcpy(rec + *used, text, len);
	s->off = (__u16)*used;
	s->len = (__u16)len;
	*used += len;
}

static void read_comm(char comm[VG_COMM_LEN])
{
	FILE *f = fopen("/proc/self/comm", "re");

	memset(comm, 0, VG_COMM_LEN);
	if (f && fgets(comm, VG_COMM_LEN, f))
		comm[strcspn(comm, "\n")] = 0;
	if (f)
		fclose(f);
}

/* What the agent found, as an agent event: a record like the kernel's, about the agent's
 * own process, through the pipeline (rules, sinks, store, the recording). */
static void raise_check(struct vg_protect *p, unsigned check, uint64_t gap_ns, uint64_t lost, const char *object,
			const char *detail)
{
	_Alignas(8) char rec[sizeof(struct vg_hdr) + sizeof(struct vg_agent) + 1024];
	struct vg_hdr *h = (struct vg_hdr *)rec;
	struct vg_agent *a = (struct vg_agent *)(h + 1);
	size_t used = sizeof(*h) + sizeof(*a);
	int cpu = sched_getcpu();

	memset(rec, 0, used);
	h->type = VG_EV_AGENT;
	h->ts = vg_now_boot_ns();
	h->cpu = cpu < 0 ? 0 : (__u32)cpu;
	h->pid = (__u32)getpid();
	h->tid = (__u32)gettid();
	h->ppid = (__u32)getppid();
	h->uid = getuid();
	h->euid = geteuid();
	h->gid = getgid();
	h->egid = getegid();
	h->auid = (__u32)-1;
	read_comm(h->comm);
	a->check = check;
	a->gap_ns = gap_ns;
	a->lost = lost;
	put_str(rec, &used, sizeof(rec), &a->object, object);
	put_str(rec, &used, sizeof(rec), &a->detail, detail);
	h->size = (__u32)used;
	vg_pipeline_record(p->pipe, rec, used);
}

void vg_protect_tamper(void *ctx, unsigned check, const char *object, const char *detail)
{
	fprintf(stderr, "vigil: tampering: %s: %s\n", object, detail);
	raise_check(ctx, check, 0, 0, object, detail);
}

/* ---- own files ---- */

static void own_add(struct vg_protect *p, const char *path, bool content)
{
	char real[PATH_MAX];
	struct vg_own_file *f;
	struct stat st;

	if (p->nown == VG_OWN_FILES || !realpath(path, real))
		return;
	for (int i = 0; i < p->nown; i++)
		if (strcmp(p->own[i].path, real) == 0)
			return;
	f = &p->own[p->nown];
	if (!(f->path = strdup(real)))
		return;
	p->nown++;
	f->content = content;
	if ((f->present = stat(real, &st) == 0)) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->size = st.st_size;
		f->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	}
}

static int yaml_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && ((n > 5 && !strcmp(e->d_name + n - 5, ".yaml")) ||
				       (n > 4 && !strcmp(e->d_name + n - 4, ".yml")));
}

/* A rules path: the file, or the rule files of the directory (as the rule loader reads it). */
static void own_rules(struct vg_protect *p, const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		own_add(p, path, true);
		return;
	}
	if ((n = scandir(path, &ents, yaml_name, alphasort)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		char file[PATH_MAX];

		snprintf(file, sizeof(file), "%s/%s", path, ents[i]->d_name);
		own_add(p, file, true);
		free(ents[i]);
	}
	free(ents);
}

static void check_own(struct vg_protect *p)
{
	for (int i = 0; i < p->nown; i++) {
		struct vg_own_file *f = &p->own[i];
		struct stat st;
		bool present = stat(f->path, &st) == 0;
		int64_t mtime = present ? (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec : 0;
		const char *what = NULL;

		if (f->present && !present)
			what = "removed";
		else if (!f->present && present)
			what = "created again";
		else if (present && (st.st_dev != f->dev || st.st_ino != f->ino))
			what = "replaced (another file now has its name)";
		else if (present && f->content && (st.st_size != f->size || mtime != f->mtime_ns))
			what = "modified";
		f->present = present;
		if (present) {
			f->dev = st.st_dev;
			f->ino = st.st_ino;
			f->size = st.st_size;
			f->mtime_ns = mtime;
		}
		if (what) {
			fprintf(stderr, "vigil: tampering: %s was %s\n", f->path, what);
			raise_check(p, VG_AGENT_FILE_CHANGED, 0, 0, f->path, what);
		}
	}
}

int vg_protect_own_paths(const struct vg_protect *p, const char **out, int max)
{
	int n = 0;

	for (int i = 0; i < p->nown && n < max; i++)
		out[n++] = p->own[i].path;
	return n;
}

/* ---- sinks ---- */

/* A sink's losses are told when they begin, every RETELL_NS while they go on, and when
 * they stop (the rest of the episode). */
static void check_sinks(struct vg_protect *p, uint64_t now)
{
	for (int i = 0; i < p->sinks->n && i < VG_SINKS_MAX; i++) {
		struct vg_sink *s = &p->sinks->sink[i];
		struct vg_sink_counters c = { 0 };
		bool going_on;
		char detail[160];
		uint64_t pending;

		s->type->counters(s, &c);
		going_on = c.lost != p->sink_seen[i];
		p->sink_seen[i] = c.lost;
		pending = c.lost - p->sink_told[i];
		if (!pending || (going_on && p->sink_told_ns[i] && now - p->sink_told_ns[i] < RETELL_NS))
			continue;
		p->sink_told[i] = c.lost;
		p->sink_told_ns[i] = going_on ? now : 0;
		snprintf(detail, sizeof(detail), "%llu lines could not be written (%llu failed writes so far)",
			 (unsigned long long)pending, (unsigned long long)c.errors);
		raise_check(p, VG_AGENT_OUTPUT_FAILED, 0, pending, s->spec, detail);
	}
}

/* ---- start, tick, finish ---- */

void vg_protect_init(struct vg_protect *p, const char *const *rules, int nrules, const char *store)
{
	struct sigaction sa = { .sa_handler = on_sigcont, .sa_flags = SA_RESTART };

	sigaction(SIGCONT, &sa, NULL);
	own_add(p, "/proc/self/exe", true);
	for (int i = 0; i < nrules; i++)
		own_rules(p, rules[i]);
	if (store)
		own_add(p, store, false);
}

void vg_protect_start(struct vg_protect *p, struct vg_loader *l, struct vg_reader *r, struct vg_pipeline *pipe,
		      struct vg_sinks *sinks)
{
	uint64_t now = vg_now_boot_ns();

	p->loader = l;
	p->reader = r;
	p->pipe = pipe;
	p->sinks = sinks;
	p->last_turn_ns = now;
	p->next_check_ns = now + SECOND_NS;
	if (l->pins.took_over) {
		const struct vg_control *prev = &l->pins.prev;
		char object[32], detail[256];

		vg_reader_drain(r); /* what happened while no agent read comes first */
		vg_reader_refresh(r);
		p->restart = (struct vg_gap){
			.happened = true,
			.at_wall_ns = vg_boot_to_wall(now),
			.seconds = prev->heartbeat_ns && now > prev->heartbeat_ns ? (double)(now - prev->heartbeat_ns) / 1e9 : 0,
			.lost = r->c.lost > prev->lost ? r->c.lost - prev->lost : 0,
			.previous_pid = prev->self_pid,
		};
		snprintf(object, sizeof(object), "generation %u", l->pins.generation);
		snprintf(detail, sizeof(detail),
			 "took over the sensors agent pid %u left running in %s (it %s); the ring kept what happened "
			 "meanwhile", prev->self_pid, l->pins.dir,
			 prev->clean_exit ? "stopped on request" : "ended without a clean exit: killed or crashed");
		fprintf(stderr, "vigil: %s; %.3f s since its last sign of life, %llu events lost meanwhile\n", detail,
			p->restart.seconds, (unsigned long long)p->restart.lost);
		raise_check(p, VG_AGENT_RESTART, (uint64_t)(p->restart.seconds * 1e9), p->restart.lost, object, detail);
	}
	vg_reader_refresh(r);
	p->lost_at_check = r->c.lost;
	vg_notify("READY=1");
}

static void noticed_stop(struct vg_protect *p, uint64_t now)
{
	uint64_t gap = now - p->last_turn_ns, lost;
	char detail[160];

	continued = 0;
	if (gap < STOP_MIN_NS)
		return;
	vg_reader_refresh(p->reader);
	lost = p->reader->c.lost - p->lost_at_check;
	p->stops.count++;
	p->stops.seconds += (double)gap / 1e9;
	p->stops.lost += lost;
	snprintf(detail, sizeof(detail), "stopped for %.3f s and continued; %llu events lost meanwhile",
		 (double)gap / 1e9, (unsigned long long)lost);
	fprintf(stderr, "vigil: %s\n", detail);
	raise_check(p, VG_AGENT_STOPPED, gap, lost, "vigil", detail);
}

void vg_protect_tick(struct vg_protect *p, uint64_t now)
{
	struct vg_control *c = p->loader->control;

	if (continued)
		noticed_stop(p, now);
	p->last_turn_ns = now;
	c->heartbeat_ns = now;
	vg_notify_watchdog(now);
	if (now < p->next_check_ns)
		return;
	p->next_check_ns = now + SECOND_NS;
	vg_reader_refresh(p->reader);
	c->lost = p->reader->c.lost;
	p->lost_at_check = p->reader->c.lost;
	vg_loader_verify(p->loader, vg_protect_tamper, p);
	check_own(p);
	check_sinks(p, now);
}

static uint64_t rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long kb = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

void vg_protect_stats(const struct vg_protect *p, struct vg_stats_extra *x)
{
	x->restart = &p->restart;
	x->stops = &p->stops;
	x->rss_kb = rss_kb();
}

bool vg_protect_finish(struct vg_protect *p)
{
	uint64_t lost = 0;

	vg_notify("STOPPING=1");
	if (p->loader && p->loader->control) {
		p->loader->control->heartbeat_ns = vg_now_boot_ns();
		p->loader->control->clean_exit = 1;
		if (p->loader->pins.lock_fd >= 0)
			fprintf(stderr, "vigil: the sensors keep recording, pinned in %s, for the next agent "
				"(`vigil unload` removes them)\n", p->loader->pins.dir);
	}
	for (int i = 0; p->sinks && i < p->sinks->n; i++) {
		struct vg_sink *s = &p->sinks->sink[i];
		struct vg_sink_counters c = { 0 };

		s->type->counters(s, &c);
		lost += c.lost;
		if (c.lost)
			fprintf(stderr, "vigil: %s lost %llu lines in %llu failed writes\n", s->spec,
				(unsigned long long)c.lost, (unsigned long long)c.errors);
	}
	return lost > 0;
}

void vg_protect_free(struct vg_protect *p)
{
	for (int i = 0; i < p->nown; i++)
		free(p->own[i].path);
	p->nown = 0;
}

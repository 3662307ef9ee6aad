/* integrity.c — the checks' thread (integrity.h): runs every check that can run here each
 * interval, turns what they report into integrity records, and keeps them in a bounded
 * queue the agent's loop takes from. A finding is keyed by (finding, subject, id): reported
 * in the pass where it appears, then not again while later passes still see it. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "integrity/internal.h"

#define QUEUE_MAX 4096
#define STR_MAX 2048 /* each string of a finding, at most */

static const struct vg_check *const checks[VG_CHECK__COUNT] = {
	[VG_CHECK_KERNEL_HOOKS] = &vg_check_kernel_hooks,
	[VG_CHECK_PROBE_EVENTS] = &vg_check_probe_events,
	[VG_CHECK_BPF_PROGRAMS] = &vg_check_bpf_programs,
	[VG_CHECK_HIDDEN_PROCESSES] = &vg_check_hidden_processes,
	[VG_CHECK_SYSTEM_FILES] = &vg_check_system_files,
};

static const char *const check_names[VG_CHECK__COUNT] = {
#define CHECK_NAME(NAME, name) [VG_CHECK_##NAME] = name,
	VG_INTEGRITY_CHECKS(CHECK_NAME)
#undef CHECK_NAME
};

/* The keys a check reported in a pass (FNV-1a of the finding's identity), sorted after it. */
struct keyset {
	uint64_t *keys;
	size_t n, cap;
};

struct vg_reporter {
	struct vg_integrity_checks *ig;
	unsigned check;
	struct keyset prev, cur;
};

struct record {
	size_t size;
	unsigned char data[];
};

struct vg_integrity_checks {
	struct vg_integrity_opts o;
	char root[4096];
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	void *state[VG_CHECK__COUNT];
	bool available[VG_CHECK__COUNT];
	struct vg_reporter reporters[VG_CHECK__COUNT];
	/* under lock */
	struct record **queue;
	size_t queued;
	uint64_t passes, findings, dropped;
	double pass_ms[VG_CHECK__COUNT]; /* the last pass of each check, CPU time of the thread */
};

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * VG_FNV_PRIME;
	return (h ^ 0xff) * VG_FNV_PRIME; /* a separator: ("ab", "") differs from ("a", "b") */
}

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool keyset_has(const struct keyset *s, uint64_t k)
{
	return s->n && bsearch(&k, s->keys, s->n, sizeof(k), cmp_key);
}

static void keyset_add(struct keyset *s, uint64_t k)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		uint64_t *keys = realloc(s->keys, cap * sizeof(*keys));

		if (!keys)
			return; /* the finding is reported again next pass: better than never */
		s->keys = keys;
		s->cap = cap;
	}
	s->keys[s->n++] = k;
}

/* Appends s (at most STR_MAX bytes) after the record's fixed part. */
static void put_str(unsigned char *rec, size_t *size, struct vg_str *v, const char *s)
{
	size_t len = s ? strnlen(s, STR_MAX) : 0;

	v->off = (uint16_t)*size;
	v->len = (uint16_t)len;
	memcpy(rec + *size, s ? s : "", len);
	*size += len;
}

void vg_report(struct vg_reporter *r, const struct vg_finding *f)
{
	uint64_t key = fnv(fnv(fnv(VG_FNV_OFFSET, f->finding), f->subject), "") ^ (uint64_t)f->id;
	struct vg_integrity_checks *ig = r->ig;
	struct record *rec;
	struct vg_hdr *h;
	struct vg_integrity *body;
	size_t size = sizeof(*h) + sizeof(*body);

	keyset_add(&r->cur, key);
	if (keyset_has(&r->prev, key))
		return;
	rec = calloc(1, sizeof(*rec) + sizeof(*h) + sizeof(*body) + 6 * STR_MAX);
	if (!rec) {
		pthread_mutex_lock(&ig->lock);
		ig->dropped++;
		pthread_mutex_unlock(&ig->lock);
		return;
	}
	h = (struct vg_hdr *)rec->data;
	body = (struct vg_integrity *)(h + 1);
	h->ts = vg_now_boot_ns();
	h->type = VG_EV_INTEGRITY;
	snprintf(h->comm, sizeof(h->comm), "integrity");
	body->check = r->check;
	body->id = f->id;
	body->owner_pid = f->owner_pid;
	put_str(rec->data, &size, &body->finding, f->finding);
	put_str(rec->data, &size, &body->subject, f->subject);
	put_str(rec->data, &size, &body->detail, f->detail);
	put_str(rec->data, &size, &body->owner, f->owner);
	put_str(rec->data, &size, &body->owner_name, f->owner_name);
	put_str(rec->data, &size, &body->owner_exe, f->owner_exe);
	h->size = (uint32_t)size;
	rec->size = size;
	pthread_mutex_lock(&ig->lock);
	if (ig->queued < QUEUE_MAX) {
		ig->queue[ig->queued++] = rec;
		ig->findings++;
		rec = NULL;
	} else {
		ig->dropped++;
	}
	pthread_mutex_unlock(&ig->lock);
	free(rec);
}

void vg_report_unchanged(struct vg_reporter *r)
{
	for (size_t i = 0; i < r->prev.n; i++)
		keyset_add(&r->cur, r->prev.keys[i]);
}

static double thread_cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void pass(struct vg_integrity_checks *ig, unsigned c)
{
	struct vg_reporter *r = &ig->reporters[c];
	struct keyset done;
	double start = thread_cpu_ms();

	r->cur.n = 0;
	checks[c]->run(ig->state[c], r);
	pthread_mutex_lock(&ig->lock);
	ig->pass_ms[c] = thread_cpu_ms() - start;
	pthread_mutex_unlock(&ig->lock);
	if (r->cur.n) /* keys is NULL until the first finding */
		qsort(r->cur.keys, r->cur.n, sizeof(uint64_t), cmp_key);
	done = r->prev;
	r->prev = r->cur;
	r->cur = done;
}

static void prepare_all(const struct vg_integrity_opts *o, void *state[VG_CHECK__COUNT],
			struct vg_integrity_status st[VG_CHECK__COUNT])
{
	for (unsigned c = 0; c < VG_CHECK__COUNT; c++) {
		st[c].name = check_names[c];
		st[c].why[0] = 0;
		state[c] = NULL;
		st[c].available = checks[c]->prepare(o, &state[c], st[c].why, sizeof(st[c].why));
	}
}

static void *loop(void *arg)
{
	struct vg_integrity_checks *ig = arg;
	struct vg_integrity_status st[VG_CHECK__COUNT];

	/* here, not in the agent's thread: building the baselines (kernel text, dpkg's MD5 lists)
	 * takes a while */
	prepare_all(&ig->o, ig->state, st);
	pthread_mutex_lock(&ig->lock);
	for (unsigned c = 0; c < VG_CHECK__COUNT; c++) {
		ig->available[c] = st[c].available;
		if (!st[c].available)
			fprintf(stderr, "vigil: integrity check %s does not run here: %s\n", st[c].name, st[c].why);
	}
	while (!ig->stop) {
		struct timespec until;

		pthread_mutex_unlock(&ig->lock);
		for (unsigned c = 0; c < VG_CHECK__COUNT; c++)
			if (ig->available[c])
				pass(ig, c);
		/* what a pass read (directory listings, kernel text) is freed, but stays in this
		 * thread's arena until returned */
		malloc_trim(0);
		pthread_mutex_lock(&ig->lock);
		ig->passes++;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)ig->o.interval;
		until.tv_nsec += (long)((ig->o.interval - (double)(time_t)ig->o.interval) * 1e9);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!ig->stop && pthread_cond_timedwait(&ig->wake, &ig->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&ig->lock);
	return NULL;
}

void vg_integrity_probe(const struct vg_integrity_opts *o, struct vg_integrity_status st[VG_CHECK__COUNT])
{
	void *state[VG_CHECK__COUNT];

	prepare_all(o, state, st);
	for (unsigned c = 0; c < VG_CHECK__COUNT; c++)
		if (st[c].available)
			checks[c]->release(state[c]);
}

struct vg_integrity_checks *vg_integrity_start(const struct vg_integrity_opts *o, char *err, size_t errlen)
{
	struct vg_integrity_checks *ig = calloc(1, sizeof(*ig));

	if (!ig || !(ig->queue = calloc(QUEUE_MAX, sizeof(*ig->queue)))) {
		free(ig);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ig->o = *o;
	snprintf(ig->root, sizeof(ig->root), "%s", o->root ? o->root : "");
	ig->o.root = ig->root;
	pthread_mutex_init(&ig->lock, NULL);
	pthread_cond_init(&ig->wake, NULL);
	for (unsigned c = 0; c < VG_CHECK__COUNT; c++)
		ig->reporters[c] = (struct vg_reporter){ .ig = ig, .check = c };
	if (pthread_create(&ig->thread, NULL, loop, ig) != 0) {
		snprintf(err, errlen, "cannot start the integrity thread: %s", strerror(errno));
		vg_integrity_stop(ig);
		return NULL;
	}
	ig->started = true;
	return ig;
}

int vg_integrity_take(struct vg_integrity_checks *ig, int (*fn)(void *ctx, const void *rec, size_t size), void *ctx)
{
	struct record *taken[QUEUE_MAX];
	size_t n;

	if (!ig)
		return 0;
	pthread_mutex_lock(&ig->lock);
	n = ig->queued;
	memcpy(taken, ig->queue, n * sizeof(*taken));
	ig->queued = 0;
	pthread_mutex_unlock(&ig->lock);
	for (size_t i = 0; i < n; i++) {
		fn(ctx, taken[i]->data, taken[i]->size);
		free(taken[i]);
	}
	return (int)n;
}

bool vg_integrity_stats(const struct vg_integrity_checks *ig, struct vg_integrity_stats *out)
{
	struct vg_integrity_checks *m = (struct vg_integrity_checks *)ig; /* its lock only */

	if (!ig)
		return false;
	pthread_mutex_lock(&m->lock);
	*out = (struct vg_integrity_stats){ .passes = m->passes, .findings = m->findings, .dropped = m->dropped };
	for (unsigned c = 0; c < VG_CHECK__COUNT; c++)
		if (m->available[c]) {
			out->checks[out->nchecks].name = check_names[c];
			out->checks[out->nchecks++].cpu_ms = m->pass_ms[c];
		}
	pthread_mutex_unlock(&m->lock);
	return true;
}

void vg_integrity_stop(struct vg_integrity_checks *ig)
{
	if (!ig)
		return;
	if (ig->started) {
		pthread_mutex_lock(&ig->lock);
		ig->stop = true;
		pthread_cond_signal(&ig->wake);
		pthread_mutex_unlock(&ig->lock);
		pthread_join(ig->thread, NULL);
	}
	for (unsigned c = 0; c < VG_CHECK__COUNT; c++) {
		if (ig->available[c])
			checks[c]->release(ig->state[c]);
		free(ig->reporters[c].prev.keys);
		free(ig->reporters[c].cur.keys);
	}
	for (size_t i = 0; i < ig->queued; i++)
		free(ig->queue[i]);
	free(ig->queue);
	pthread_mutex_destroy(&ig->lock);
	pthread_cond_destroy(&ig->wake);
	free(ig);
}

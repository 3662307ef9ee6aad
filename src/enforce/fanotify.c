/* fanotify.c — deny rules through fanotify permission events, for kernels without BPF-LSM.
 *
 * Marks, chosen to put as little as possible on the permission path:
 *   exec pins (exact or prefix): a filesystem mark with FAN_OPEN_EXEC_PERM on the
 *     filesystem holding the path: every exec there (not every open) waits for a decision,
 *     so a binary dropped or replaced later is seen;
 *   an exact open pin: an inode mark with FAN_OPEN_PERM on the file (only its opens wait,
 *     through any hard link); a file that does not exist yet: its directory, for its
 *     direct children (FAN_EVENT_ON_CHILD), decided by path;
 *   an open prefix: a filesystem mark with FAN_OPEN_PERM: every open on that filesystem
 *     waits (the cost `make bench` shows).
 *
 * Never hanging the host: every event read is put in a slot with its arrival time before
 * any decision starts. The decision thread answers from the table (table.c: inode, then the
 * path of the open descriptor); it never opens a file on a marked filesystem, and events
 * of vigil itself are allowed at once. A watchdog thread wakes every timeout/4: it answers
 * FAN_ALLOW for every slot older than the timeout, and when the decision thread has not
 * shown a heartbeat for a whole timeout it reads and allows events itself until the thread
 * is back. Each such allow is counted. A slot is answered by whoever claims it first
 * (compare-and-swap), and its descriptor is closed only by the decision thread, after the
 * answer is written, so an answer can never reach a reused descriptor number.
 *
 * VIGIL_DEBUG_DENY_STALL_MS (a debug knob, docs/prevention.md): the decision thread sleeps
 * that long before each decision, to show that a stalled thread fails open. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "enforce/internal.h"

#define SLOTS 1024
#define READ_BUF (64 * sizeof(struct fanotify_event_metadata))

enum { SLOT_FREE, SLOT_PENDING, SLOT_ANSWERING, SLOT_ANSWERED };

struct slot {
	_Atomic int state;
	int fd;
	uint64_t since; /* boot ns */
};

struct mark {
	unsigned flags;    /* FAN_MARK_FILESYSTEM, FAN_MARK_MOUNT or 0 (the inode) */
	uint64_t mask;
	uint64_t dev, ino; /* the object: the filesystem (dev) or the inode */
	char *path;        /* a path that names it */
};

struct marks {
	int n;
	struct mark *m;
};

struct fan {
	int fd;
	int wake[2];                       /* stop: wakes the watchdog */
	pthread_t decider, watchdog;
	bool threads;
	_Atomic bool stop;
	_Atomic uint64_t heartbeat;        /* the decision thread's last sign of life */
	struct slot slots[SLOTS];
	unsigned next_slot;                /* decision thread only */
	_Atomic(struct deny_table *) next; /* handed over by apply(), taken by the decider */
	struct deny_table *table;          /* the decider's */
	struct marks marks;                /* in force */
	uint64_t timeout_ns;
	unsigned stall_ms;
};

/* The debug stall: sleeps stall_ms in steps, ending early when vigil stops. */
static void stall(struct fan *f)
{
	struct timespec step = { 0, 10 * 1000000 };

	for (unsigned ms = 0; ms < f->stall_ms && !atomic_load(&f->stop); ms += 10)
		nanosleep(&step, NULL);
}

static bool respond(struct fan *f, int fd, unsigned response)
{
	struct fanotify_response r = { .fd = fd, .response = response };

	return write(f->fd, &r, sizeof(r)) == sizeof(r);
}

/* Answers slot s if nobody has; true when this caller did. */
static bool answer(struct fan *f, struct slot *s, unsigned response)
{
	int pending = SLOT_PENDING;

	if (!atomic_compare_exchange_strong(&s->state, &pending, SLOT_ANSWERING))
		return false;
	respond(f, s->fd, response);
	atomic_store(&s->state, SLOT_ANSWERED);
	return true;
}

static struct slot *claim_slot(struct fan *f, int fd, uint64_t now)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &f->slots[(f->next_slot + i) % SLOTS];

		if (atomic_load(&s->state) != SLOT_FREE)
			continue;
		f->next_slot = (f->next_slot + i + 1) % SLOTS;
		s->fd = fd;
		s->since = now;
		atomic_store(&s->state, SLOT_PENDING);
		return s;
	}
	return NULL;
}

static void release_slot(struct slot *s)
{
	while (atomic_load(&s->state) == SLOT_ANSWERING)
		sched_yield(); /* the watchdog is writing its answer for this descriptor */
	close(s->fd);
	atomic_store(&s->state, SLOT_FREE);
}

static void decide(struct vg_enforcer *e, struct fan *f, struct slot *s,
		   const struct fanotify_event_metadata *md, struct denial *d)
{
	enum vg_deny_kind kind = md->mask & FAN_OPEN_EXEC_PERM ? VG_DENY_EXEC : VG_DENY_OPEN;
	const struct deny_entry *hit = NULL;
	bool ok = true;

	if (f->stall_ms)
		stall(f);
	atomic_store(&f->heartbeat, vg_now_boot_ns());
	if (atomic_load(&s->state) != SLOT_PENDING)
		return; /* past its deadline: the watchdog allowed it (and counted it) */
	if ((pid_t)md->pid != getpid() && f->table)
		hit = deny_decide_fd(f->table, kind, md->fd, d->path, sizeof(d->path), &ok);
	atomic_fetch_add(&e->c.decisions, 1);
	if (!ok)
		atomic_fetch_add(&e->c.failopen_error, 1);
	if (!hit || e->o.audit) {
		answer(f, s, FAN_ALLOW);
	} else if (!answer(f, s, FAN_DENY)) {
		return; /* the watchdog allowed it meanwhile (counted there) */
	}
	if (!hit)
		return;
	atomic_fetch_add(e->o.audit ? &e->c.audited : &e->c.denied, 1);
	d->ts = vg_now_boot_ns();
	d->pid = (uint32_t)md->pid;
	d->kind = kind;
	d->enforced = !e->o.audit;
	d->kernel_hdr = false;
	snprintf(d->rule, sizeof(d->rule), "%s", hit->rule);
	if (!d->path[0])
		snprintf(d->path, sizeof(d->path), "%s", hit->path);
	enforce_push(e, d);
}

static void *decision_thread(void *arg)
{
	struct vg_enforcer *e = arg;
	struct fan *f = e->impl;
	int period = (int)(f->timeout_ns / 4000000) + 1;
	struct denial *d = malloc(sizeof(*d));
	char *buf = malloc(READ_BUF);

	if (!d || !buf)
		abort();
	while (!atomic_load(&f->stop)) {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		struct { struct slot *s; const struct fanotify_event_metadata *md; } batch[READ_BUF / FAN_EVENT_METADATA_LEN];
		const struct fanotify_event_metadata *md;
		struct deny_table *t;
		int nbatch = 0;
		uint64_t now;
		ssize_t n;

		atomic_store(&f->heartbeat, vg_now_boot_ns());
		if (poll(&p, 1, period) <= 0)
			continue;
		n = read(f->fd, buf, READ_BUF);
		/* a table handed over while this thread slept in poll decides what woke it: its
		 * marks were in place before the events came */
		if ((t = atomic_exchange(&f->next, NULL))) {
			deny_table_free(f->table);
			f->table = t;
		}
		if (n <= 0)
			continue;
		now = vg_now_boot_ns();
		/* every event of the batch is in a slot (so the watchdog covers it) before the
		 * first decision */
		md = (const struct fanotify_event_metadata *)buf;
		for (; FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
			struct slot *s;

			if (md->mask & FAN_Q_OVERFLOW) {
				atomic_fetch_add(&e->c.queue_overflow, 1);
				continue;
			}
			if (md->fd < 0)
				continue;
			if (!(s = claim_slot(f, md->fd, now))) {
				respond(f, md->fd, FAN_ALLOW);
				close(md->fd);
				atomic_fetch_add(&e->c.failopen_full, 1);
				continue;
			}
			batch[nbatch].s = s;
			batch[nbatch++].md = md;
		}
		for (int i = 0; i < nbatch; i++) {
			decide(e, f, batch[i].s, batch[i].md, d);
			release_slot(batch[i].s);
		}
	}
	free(buf);
	free(d);
	return NULL;
}

static void *watchdog_thread(void *arg)
{
	struct vg_enforcer *e = arg;
	struct fan *f = e->impl;
	int period = (int)(f->timeout_ns / 4000000) + 1;
	char *buf = malloc(READ_BUF);

	if (!buf)
		abort();
	while (!atomic_load(&f->stop)) {
		struct pollfd p = { .fd = f->wake[0], .events = POLLIN };
		uint64_t now;

		if (poll(&p, 1, period) > 0)
			break;
		now = vg_now_boot_ns();
		for (unsigned i = 0; i < SLOTS; i++) {
			struct slot *s = &f->slots[i];

			if (atomic_load(&s->state) == SLOT_PENDING && now - s->since > f->timeout_ns &&
			    answer(f, s, FAN_ALLOW))
				atomic_fetch_add(&e->c.failopen_timeout, 1);
		}
		if (now - atomic_load(&f->heartbeat) <= f->timeout_ns)
			continue;
		/* the decision thread is stalled: everything queued is allowed unread */
		for (;;) {
			const struct fanotify_event_metadata *md = (const void *)buf;
			ssize_t n = read(f->fd, buf, READ_BUF);

			if (n <= 0)
				break;
			for (; FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
				if (md->mask & FAN_Q_OVERFLOW) {
					atomic_fetch_add(&e->c.queue_overflow, 1);
					continue;
				}
				if (md->fd < 0)
					continue;
				respond(f, md->fd, FAN_ALLOW);
				close(md->fd);
				atomic_fetch_add(&e->c.failopen_stalled, 1);
			}
		}
	}
	free(buf);
	return NULL;
}

static bool fan_available(const struct vg_features *feat, char *why, size_t len)
{
	int fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "fanotify_init(FAN_CLASS_CONTENT): %s%s", strerror(errno),
			 errno == EINVAL ? " (kernel built without CONFIG_FANOTIFY_ACCESS_PERMISSIONS)" :
			 errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return false;
	}
	close(fd);
	return true;
}

static int fan_start(struct vg_enforcer *e, char *why, size_t len)
{
	struct fan *f = calloc(1, sizeof(*f));
	const char *stall = getenv("VIGIL_DEBUG_DENY_STALL_MS");

	if (!f)
		abort();
	f->wake[0] = f->wake[1] = -1;
	f->timeout_ns = (uint64_t)e->o.timeout_ms * 1000000;
	f->stall_ms = stall ? (unsigned)strtoul(stall, NULL, 10) : 0;
	f->fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (f->fd < 0 || pipe2(f->wake, O_CLOEXEC) < 0) {
		snprintf(why, len, "fanotify_init: %s", strerror(errno));
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return -1;
	}
	if (f->stall_ms)
		fprintf(stderr, "vigil: VIGIL_DEBUG_DENY_STALL_MS=%u: every deny decision is delayed on purpose\n",
			f->stall_ms);
	e->impl = f;
	atomic_store(&f->heartbeat, vg_now_boot_ns());
	if (pthread_create(&f->decider, NULL, decision_thread, e) != 0) {
		snprintf(why, len, "cannot start the decision thread");
		return -1;
	}
	pthread_setname_np(f->decider, "vigil-deny");
	if (pthread_create(&f->watchdog, NULL, watchdog_thread, e) != 0) {
		atomic_store(&f->stop, true);
		pthread_join(f->decider, NULL);
		snprintf(why, len, "cannot start the watchdog thread");
		return -1;
	}
	pthread_setname_np(f->watchdog, "vigil-watchdog");
	f->threads = true;
	return 0;
}

/* The nearest existing ancestor of path (path itself when it exists), into out. */
static bool existing(const char *path, char *out, size_t len, struct stat *st)
{
	char *slash;

	snprintf(out, len, "%s", path);
	while (stat(out, st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return false;
		slash = strrchr(out, '/');
		if (!slash)
			return false;
		if (slash == out)
			slash[1] = 0;
		else
			*slash = 0;
	}
	return true;
}

static void add_mark(struct marks *ms, unsigned flags, uint64_t mask, const struct stat *st, const char *path)
{
	uint64_t dev = st->st_dev, ino = flags ? 0 : st->st_ino;

	for (int i = 0; i < ms->n; i++)
		if (ms->m[i].flags == flags && ms->m[i].dev == dev && ms->m[i].ino == ino) {
			ms->m[i].mask |= mask;
			return;
		}
	ms->m = realloc(ms->m, (ms->n + 1) * sizeof(*ms->m));
	if (!ms->m)
		abort();
	ms->m[ms->n++] = (struct mark){ flags, mask, dev, ino, strdup(path) };
	if (!ms->m[ms->n - 1].path)
		abort();
}

static void marks_free(struct marks *ms)
{
	for (int i = 0; i < ms->n; i++)
		free(ms->m[i].path);
	free(ms->m);
	*ms = (struct marks){ 0 };
}

static bool marks_of(const struct deny_table *t, struct marks *ms, char *why, size_t len)
{
	char at[VG_PATH_MAX];
	struct stat st;

	for (int i = 0; i < t->n; i++) {
		const struct deny_entry *d = &t->entries[i];

		if (!existing(d->path, at, sizeof(at), &st)) {
			snprintf(why, len, "rule '%s': %s: %s", d->rule, d->path, strerror(errno));
			return false;
		}
		if (d->kind == VG_DENY_EXEC)
			add_mark(ms, FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM, &st, at);
		else if (d->prefix)
			add_mark(ms, FAN_MARK_FILESYSTEM, FAN_OPEN_PERM, &st, at);
		else if (strcmp(at, d->path) == 0)
			add_mark(ms, 0, FAN_OPEN_PERM, &st, at);
		else if (S_ISDIR(st.st_mode))
			add_mark(ms, 0, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, &st, at);
	}
	return true;
}

static int mark(struct fan *f, unsigned op, const struct mark *m, uint64_t mask)
{
	if (fanotify_mark(f->fd, op | m->flags, mask, AT_FDCWD, m->path) == 0)
		return 0;
	/* some filesystems take no filesystem mark: their mount then */
	if (m->flags == FAN_MARK_FILESYSTEM && (errno == EINVAL || errno == EXDEV || errno == ENODEV) &&
	    fanotify_mark(f->fd, op | FAN_MARK_MOUNT, mask, AT_FDCWD, m->path) == 0)
		return 0;
	return -1;
}

static uint64_t mask_in(const struct marks *ms, const struct mark *m)
{
	for (int i = 0; i < ms->n; i++)
		if (ms->m[i].flags == m->flags && ms->m[i].dev == m->dev && ms->m[i].ino == m->ino)
			return ms->m[i].mask;
	return 0;
}

static int fan_apply(struct vg_enforcer *e, struct deny_table *t, char *why, size_t len)
{
	struct fan *f = e->impl;
	struct marks ms = { 0 };
	struct deny_table *old;

	if (!marks_of(t, &ms, why, len))
		goto fail;
	/* the new marks first, then the table, then what the old marks had beyond them: no
	 * moment without enforcement */
	for (int i = 0; i < ms.n; i++)
		if (mark(f, FAN_MARK_ADD, &ms.m[i], ms.m[i].mask) < 0) {
			snprintf(why, len, "fanotify_mark(%s): %s", ms.m[i].path, strerror(errno));
			for (int j = 0; j < i; j++) /* what this call added beyond the old marks */
				if (ms.m[j].mask & ~mask_in(&f->marks, &ms.m[j]))
					mark(f, FAN_MARK_REMOVE, &ms.m[j], ms.m[j].mask & ~mask_in(&f->marks, &ms.m[j]));
			goto fail;
		}
	if ((old = atomic_exchange(&f->next, t)))
		deny_table_free(old); /* never seen by the decision thread */
	for (int i = 0; i < f->marks.n; i++) {
		uint64_t gone = f->marks.m[i].mask & ~mask_in(&ms, &f->marks.m[i]);

		if (gone)
			mark(f, FAN_MARK_REMOVE, &f->marks.m[i], gone); /* fails when the object is gone: fine */
	}
	marks_free(&f->marks);
	f->marks = ms;
	return 0;
fail:
	marks_free(&ms);
	deny_table_free(t);
	return -1;
}

static void fan_stop(struct vg_enforcer *e)
{
	struct fan *f = e->impl;

	if (!f)
		return;
	if (f->threads) {
		atomic_store(&f->stop, true);
		if (write(f->wake[1], "x", 1) < 0)
			perror("vigil: waking the watchdog");
		pthread_join(f->decider, NULL);
		pthread_join(f->watchdog, NULL);
	}
	close(f->fd); /* the kernel allows whatever is still pending */
	close(f->wake[0]);
	close(f->wake[1]);
	deny_table_free(f->table);
	deny_table_free(atomic_load(&f->next));
	marks_free(&f->marks);
	free(f);
	e->impl = NULL;
}

const struct enforce_backend enforce_fanotify = {
	.name = "fanotify",
	.what = "fanotify permission events (FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM) decided in user space, "
		"fail-open watchdog",
	.available = fan_available,
	.start = fan_start,
	.apply = fan_apply,
	.stop = fan_stop,
};

/* lsm.c — deny rules decided in the kernel by BPF-LSM (bpf/enforce.bpf.c), where lsm/
 * programs load. The kernel refuses by inode: a pinned file's own, or a pinned directory's
 * anywhere above the file (the walk crosses mounts), so nothing waits for user space and a
 * stalled vigil cannot hang anyone. A path that does not exist when the rules load has no
 * inode yet: it is enforced once it exists and the rules reload (said on stderr).
 * Denials come back on the object's ring buffer; a poller thread queues them as alerts. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "decode/decode.h"
#include "enforce.skel.h"
#include "enforce/internal.h"

struct lsm {
	struct enforce_bpf *skel;
	struct ring_buffer *rb;
	pthread_t poller;
	bool running;
	_Atomic bool stop;
	_Atomic(struct deny_table *) next; /* handed over by apply(), taken by the poller */
	struct deny_table *table;          /* the poller's: names the rule of a denial */
	struct vg_event_buf *ev;           /* the poller's scratch, to reverse paths */
	struct denial d;
};

static bool lsm_available(const struct vg_features *f, char *why, size_t len)
{
	if (!f->lsm_prog) {
		snprintf(why, len, "lsm_prog: %s", f->why_lsm_prog);
		return false;
	}
	/* programs attach whatever the boot chose, but only run when the bpf LSM is active */
	for (const char *p = f->lsm; (p = strstr(p, "bpf")); p += 3)
		if ((p == f->lsm || p[-1] == ',') && (p[3] == ',' || !p[3]))
			return true;
	snprintf(why, len, "the bpf LSM is not active (lsm: %s; boot with lsm=...,bpf)", f->lsm);
	return false;
}

static int on_denial(void *ctx, void *data, size_t size)
{
	struct vg_enforcer *e = ctx;
	struct lsm *l = e->impl;
	const struct vg_hdr *h = data;
	const struct vg_deny_record *r = (const void *)(h + 1);
	const struct deny_entry *hit;
	const char *path;
	size_t len;

	if (size < sizeof(*h) + sizeof(*r) || h->size > size)
		return 0;
	atomic_fetch_add(&e->c.decisions, 1);
	atomic_fetch_add(h->ret ? &e->c.denied : &e->c.audited, 1);
	if (!l->table || !(hit = deny_by_key(l->table, r->kind, &r->matched)))
		return 0; /* decided by a table that a reload has replaced: nothing to name */
	l->ev->ev.raw = h;
	l->ev->ev.arena_used = 0;
	path = vg_add_path(&l->ev->ev, NULL, r->path, true, &len);
	l->d = (struct denial){ .ts = h->ts, .pid = h->pid, .kind = r->kind, .enforced = h->ret != 0,
				.kernel_hdr = true, .hdr = *h };
	snprintf(l->d.rule, sizeof(l->d.rule), "%s", hit->rule);
	snprintf(l->d.path, sizeof(l->d.path), "%s", path ? path : hit->path);
	enforce_push(e, &l->d);
	return 0;
}

static void *poll_thread(void *arg)
{
	struct vg_enforcer *e = arg;
	struct lsm *l = e->impl;

	while (!atomic_load(&l->stop)) {
		struct deny_table *t = atomic_exchange(&l->next, NULL);

		if (t) {
			deny_table_free(l->table);
			l->table = t;
		}
		if (ring_buffer__poll(l->rb, 100) < 0 && errno != EINTR)
			break;
	}
	return NULL;
}

static int lsm_start(struct vg_enforcer *e, char *why, size_t len)
{
	struct lsm *l = calloc(1, sizeof(*l));
	int err;

	if (!l || !(l->ev = malloc(sizeof(*l->ev))))
		abort();
	vg_event_buf_init(l->ev);
	e->impl = l;
	l->skel = enforce_bpf__open();
	if (!l->skel) {
		snprintf(why, len, "cannot open the BPF-LSM object: %s", strerror(errno));
		return -1;
	}
	l->skel->rodata->vg_deny_audit = e->o.audit;
	if ((err = enforce_bpf__load(l->skel)) || (err = enforce_bpf__attach(l->skel))) {
		snprintf(why, len, "BPF-LSM programs do not load: %s", strerror(-err));
		return -1;
	}
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.vg_deny_events), on_denial, e, NULL);
	if (!l->rb || pthread_create(&l->poller, NULL, poll_thread, e) != 0) {
		snprintf(why, len, "cannot read the BPF-LSM denials: %s", strerror(errno));
		return -1;
	}
	l->running = true;
	return 0;
}

/* Makes map hold exactly the keys of t's entries of prefix kind `prefix`. */
static int fill(int map, const struct deny_table *t, bool prefix, unsigned *count)
{
	struct vg_inode_key key, next;
	bool more;

	*count = 0;
	for (int i = 0; i < t->n; i++) {
		const struct deny_entry *d = &t->entries[i];
		vg_deny_kinds kinds = 0;

		if (d->prefix != prefix || !d->has_key)
			continue;
		if (bpf_map_lookup_elem(map, &d->key, &kinds) == 0 && (kinds & (1u << d->kind)))
			continue; /* already there */
		kinds |= 1u << d->kind;
		if (bpf_map_update_elem(map, &d->key, &kinds, BPF_ANY) < 0)
			return -1;
	}
	/* then drop what the table no longer pins (by inode and kind) */
	for (more = bpf_map_get_next_key(map, NULL, &key) == 0; more; key = next) {
		vg_deny_kinds kinds = 0, want = 0;

		more = bpf_map_get_next_key(map, &key, &next) == 0;
		for (int i = 0; i < t->n; i++)
			if (t->entries[i].prefix == prefix && t->entries[i].has_key &&
			    t->entries[i].key.dev == key.dev && t->entries[i].key.ino == key.ino)
				want |= 1u << t->entries[i].kind;
		if (bpf_map_lookup_elem(map, &key, &kinds) < 0)
			continue;
		if (!want)
			bpf_map_delete_elem(map, &key);
		else if (kinds != want)
			bpf_map_update_elem(map, &key, &want, BPF_ANY);
		(*count)++;
	}
	return 0;
}

static int lsm_apply(struct vg_enforcer *e, struct deny_table *t, char *why, size_t len)
{
	struct lsm *l = e->impl;
	struct deny_table *old;
	unsigned nfiles, ndirs;

	for (int i = 0; i < t->n; i++)
		if (!t->entries[i].has_key)
			fprintf(stderr, "vigil: rule '%s': %s does not exist: BPF-LSM denies by inode, so it is "
					"enforced once it exists and the rules reload (SIGHUP)\n",
				t->entries[i].rule, t->entries[i].path);
	if (fill(bpf_map__fd(l->skel->maps.vg_deny_files), t, false, &nfiles) < 0 ||
	    fill(bpf_map__fd(l->skel->maps.vg_deny_dirs), t, true, &ndirs) < 0) {
		snprintf(why, len, "cannot fill the BPF-LSM deny maps: %s", strerror(errno));
		deny_table_free(t);
		return -1;
	}
	l->skel->bss->vg_deny_ndirs = ndirs;
	if ((old = atomic_exchange(&l->next, t)))
		deny_table_free(old);
	return 0;
}

static void lsm_stop(struct vg_enforcer *e)
{
	struct lsm *l = e->impl;

	if (!l)
		return;
	if (l->running) {
		atomic_store(&l->stop, true);
		pthread_join(l->poller, NULL);
	}
	ring_buffer__free(l->rb);
	enforce_bpf__destroy(l->skel);
	deny_table_free(l->table);
	deny_table_free(atomic_load(&l->next));
	free(l->ev);
	free(l);
	e->impl = NULL;
}

const struct enforce_backend enforce_lsm = {
	.name = "lsm",
	.what = "BPF-LSM (lsm/bprm_check_security, lsm/file_open) decided in the kernel by inode",
	.available = lsm_available,
	.start = lsm_start,
	.apply = lsm_apply,
	.stop = lsm_stop,
};

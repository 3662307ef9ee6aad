/* state.c — the memory of stateful rules, hard-capped.
 *
 * frequency: one group per (rule, values of `by`), holding the matching events still
 * inside the window (for `distinct`, one entry per distinct value, refreshed when seen
 * again). Reaching the count fires and empties the group. Groups of all rules share one
 * LRU list; past max_groups the least recently updated goes.
 *
 * sequence: one partial match per first-step event (deduplicated on its root process and
 * captures), waiting for the next step inside the window and scope. Past max_partials the
 * oldest goes. Evictions are counted on the rule that lost state.
 *
 * Evidence is kept as event snapshots because the ring-buffer record and the process-table
 * entry behind an event are gone or changed once the callback returns. */
#include <stdlib.h>
#include <string.h>
#include <utlist.h>
#include "rules/internal.h"

struct fentry {
	uint64_t ts;
	char *val;             /* distinct value */
	struct vg_event *snap; /* only the newest MAX_EVIDENCE entries keep theirs */
};

struct fgroup {
	UT_hash_handle hh;
	struct fgroup *prev, *next; /* LRU (utlist), head is the least recently updated */
	struct rule *rule;
	char *key;
	int n, cap; /* entries grow on demand, up to the rule's count */
	struct fentry *e;
};

struct ident { /* a process, as a sequence root */
	pid_t pid;
	uint64_t start;
	uint32_t sid;
	char exec_id[VG_EXEC_ID_LEN];
};

struct partial {
	struct partial *gprev, *gnext; /* all partials (utlist), oldest first */
	struct partial *rprev, *rnext; /* this rule's (utlist), newest first */
	struct rule *rule;
	int next_step;
	uint64_t start_ns;
	struct ident root;
	struct seq_match m;
};

struct fstate {
	unsigned max_groups, max_partials, ngroups, npartials;
	struct fgroup *map, *lru;
	struct partial *partials;
};

struct fstate *fstate_new(const struct vg_rules_opts *o)
{
	struct fstate *s = xcalloc(1, sizeof(*s));

	s->max_groups = o->max_groups;
	s->max_partials = o->max_partials;
	return s;
}

struct vg_event *event_snapshot(struct ectx *c)
{
	struct vg_event *snap = vg_event_snapshot(c->ev);

	if (!snap)
		abort(); /* as every allocation here: state that silently lost evidence would lie */
	return snap;
}

void evidence_clear(struct evidence *e)
{
	for (int i = 0; i < e->n; i++)
		vg_event_snapshot_free(e->ev[i]);
	e->n = 0;
}

static void evidence_add(struct evidence *e, struct vg_event *snap)
{
	if (e->n == MAX_EVIDENCE) { /* keep the first steps and the newest */
		vg_event_snapshot_free(e->ev[MAX_EVIDENCE / 2]);
		memmove(&e->ev[MAX_EVIDENCE / 2], &e->ev[MAX_EVIDENCE / 2 + 1],
			(MAX_EVIDENCE / 2 - 1) * sizeof(e->ev[0]));
		e->n--;
	}
	e->ev[e->n++] = snap;
}

/* ---- frequency ---- */
static void entry_free(struct fentry *e)
{
	free(e->val);
	vg_event_snapshot_free(e->snap);
}

static void group_free(struct fstate *s, struct fgroup *g)
{
	DL_DELETE(s->lru, g);
	HASH_DEL(s->map, g);
	for (int i = 0; i < g->n; i++)
		entry_free(&g->e[i]);
	free(g->e);
	free(g->key);
	free(g);
	s->ngroups--;
}

static void entry_drop(struct fgroup *g, int i)
{
	entry_free(&g->e[i]);
	memmove(&g->e[i], &g->e[i + 1], (g->n - i - 1) * sizeof(*g->e));
	g->n--;
}

/* The group key: the rule, then each `by` value, separated by 0x1f. */
static void group_key(struct ectx *c, struct rule *r, struct vg_buf *k)
{
	struct vg_value v;

	vg_buf_reset(k);
	vg_buf_printf(k, "%d", r->index);
	for (int i = 0; i < r->nby; i++) {
		vg_buf_putc(k, 0x1f);
		if (operand_get(c, &r->by[i], 0, &v))
			value_render(k, &v);
	}
}

static struct fgroup *group_get(struct ectx *c, struct rule *r)
{
	struct fstate *s = c->rs->state;
	struct vg_buf *k = &c->rs->key;
	struct fgroup *g;

	group_key(c, r, k);
	HASH_FIND(hh, s->map, k->p, k->len, g);
	if (g) {
		DL_DELETE(s->lru, g);
		DL_APPEND(s->lru, g);
		return g;
	}
	if (s->ngroups >= s->max_groups) {
		s->lru->rule->evictions++;
		group_free(s, s->lru);
	}
	g = xcalloc(1, sizeof(*g));
	g->rule = r;
	g->key = malloc(k->len + 1);
	if (!g->key)
		abort();
	memcpy(g->key, k->p, k->len + 1);
	HASH_ADD_KEYPTR(hh, s->map, g->key, k->len, g);
	DL_APPEND(s->lru, g);
	s->ngroups++;
	return g;
}

bool freq_update(struct ectx *c, struct rule *r, struct evidence *out)
{
	struct fgroup *g = group_get(c, r);
	uint64_t now = c->ev->ts_ns;
	struct vg_buf *k = &c->rs->key;
	struct vg_value v;
	char *val = NULL;
	int i, have, skip;

	for (i = 0; i < g->n && g->e[i].ts + r->window_ns < now; i++)
		;
	while (i-- > 0)
		entry_drop(g, 0);
	if (r->has_distinct) {
		if (!operand_get(c, &r->distinct, 0, &v))
			return false; /* nothing to count */
		vg_buf_reset(k);
		value_render(k, &v);
		for (i = 0; i < g->n; i++)
			if (strcmp(g->e[i].val, k->p ? k->p : "") == 0)
				break;
		if (i < g->n) { /* seen again: refresh it, its first event stays the evidence */
			struct fentry seen = g->e[i];

			memmove(&g->e[i], &g->e[i + 1], (g->n - i - 1) * sizeof(*g->e));
			seen.ts = now;
			g->e[g->n - 1] = seen;
			return false;
		}
		val = xstrdup(k->p ? k->p : "");
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 8;
		if ((unsigned)g->cap > r->count)
			g->cap = (int)r->count;
		g->e = realloc(g->e, g->cap * sizeof(*g->e));
		if (!g->e)
			abort();
	}
	g->e[g->n++] = (struct fentry){ now, val, event_snapshot(c) };
	if (g->n > MAX_EVIDENCE) {
		vg_event_snapshot_free(g->e[g->n - MAX_EVIDENCE - 1].snap);
		g->e[g->n - MAX_EVIDENCE - 1].snap = NULL;
	}
	if ((unsigned)g->n < r->count)
		return false;
	/* refreshed distinct values can leave more than MAX_EVIDENCE entries with snapshots */
	for (i = 0, have = 0; i < g->n; i++)
		have += g->e[i].snap != NULL;
	skip = have > MAX_EVIDENCE ? have - MAX_EVIDENCE : 0;
	out->n = 0;
	for (i = 0; i < g->n; i++) {
		if (!g->e[i].snap || skip-- > 0)
			continue;
		out->ev[out->n++] = g->e[i].snap;
		g->e[i].snap = NULL;
	}
	group_free(c->rs->state, g);
	return true;
}

/* ---- sequence ---- */
static void ident_of(struct ident *id, const struct vg_proc *p)
{
	id->pid = p->pid;
	id->start = p->start_time;
	id->sid = p->sid;
	memcpy(id->exec_id, p->exec_id, sizeof(id->exec_id));
}

static bool same_proc(const struct ident *id, const struct vg_proc *p)
{
	if (id->pid == p->pid && id->start && id->start == p->start_time)
		return true;
	return id->exec_id[0] && strncmp(id->exec_id, p->exec_id, sizeof(id->exec_id)) == 0;
}

static bool in_scope(struct ectx *c, const struct partial *pa)
{
	switch (pa->rule->scope) {
	case SCOPE_TREE:
	case SCOPE_PARENT_TREE:
		for (int i = 0, n = ectx_ancestors(c); i <= n; i++)
			if (same_proc(&pa->root, c->anc[i]))
				return true;
		return false;
	case SCOPE_PROCESS:
		return same_proc(&pa->root, c->ev->proc);
	case SCOPE_SESSION:
		return pa->root.sid == (uint32_t)c->ev->proc->sid;
	case SCOPE_HOST:
		return true;
	}
	return false;
}

void seq_match_clear(struct seq_match *m)
{
	evidence_clear(&m->ev);
	for (int i = 0; i < MAX_SLOTS; i++)
		free(m->owned[i]);
	memset(m, 0, sizeof(*m));
}

static void capture(struct ectx *c, struct rule *r, int step, struct seq_match *m)
{
	struct vg_value v;

	for (int i = 0; i < r->nslots; i++) {
		if (r->slots[i].step != step || !operand_get(c, &r->slots[i].opd, 0, &v))
			continue;
		if (v.type == VG_V_STR || v.type == VG_V_LIST) {
			char *copy = malloc(v.str.len + 1);

			if (!copy)
				abort();
			memcpy(copy, v.str.ptr, v.str.len);
			copy[v.str.len] = 0;
			free(m->owned[i]);
			m->owned[i] = copy;
			v.str.ptr = copy;
		}
		m->caps[i] = v;
		m->caps_set[i] = true;
	}
	evidence_add(&m->ev, event_snapshot(c));
}

static void partial_free(struct fstate *s, struct partial *p)
{
	struct rule *r = p->rule;

	DL_DELETE2(s->partials, p, gprev, gnext);
	DL_DELETE2(r->partials, p, rprev, rnext);
	seq_match_clear(&p->m);
	free(p);
	s->npartials--;
}

/* A first step that repeats an in-flight one (same root, same captures) refreshes it
 * instead of piling up duplicates. */
static struct partial *find_duplicate(struct rule *r, const struct ident *root,
				      const struct seq_match *m)
{
	for (struct partial *p = r->partials; p; p = p->rnext) {
		bool same = p->next_step == 1 && p->root.pid == root->pid &&
			    p->root.start == root->start && strcmp(p->root.exec_id, root->exec_id) == 0;

		for (int i = 0; same && i < r->nslots; i++)
			if (r->slots[i].step == 0)
				same = p->m.caps_set[i] == m->caps_set[i] &&
				       (!m->caps_set[i] || vg_value_equal(&p->m.caps[i], &m->caps[i]));
		if (same)
			return p;
	}
	return NULL;
}

static void partial_start(struct ectx *c, struct rule *r)
{
	struct fstate *s = c->rs->state;
	struct partial *p = xcalloc(1, sizeof(*p)), *dup;
	const struct vg_proc *rootp = c->ev->proc;

	if (r->scope == SCOPE_PARENT_TREE && ectx_proc(c, 1))
		rootp = ectx_proc(c, 1);
	ident_of(&p->root, rootp);
	if (r->scope == SCOPE_PARENT_TREE && rootp == c->ev->proc) { /* parent unknown */
		memcpy(p->root.exec_id, rootp->parent_exec_id, sizeof(p->root.exec_id));
		p->root.pid = rootp->ppid;
		p->root.start = 0;
	}
	capture(c, r, 0, &p->m);
	dup = find_duplicate(r, &p->root, &p->m);
	if (dup) {
		seq_match_clear(&dup->m);
		dup->m = p->m;
		dup->start_ns = c->ev->ts_ns;
		free(p);
		return;
	}
	if (s->npartials >= s->max_partials) {
		s->partials->rule->evictions++;
		partial_free(s, s->partials);
	}
	p->rule = r;
	p->next_step = 1;
	p->start_ns = c->ev->ts_ns;
	DL_APPEND2(s->partials, p, gprev, gnext);
	DL_PREPEND2(r->partials, p, rprev, rnext);
	s->npartials++;
}

bool seq_update(struct ectx *c, struct rule *r, struct seq_match *out, bool may_start)
{
	struct fstate *s = c->rs->state;
	uint64_t now = c->ev->ts_ns, bit = 1ull << c->ev->type;
	struct partial *p, *next;
	bool done = false;

	for (p = r->partials; p && !done; p = next) {
		const struct step *st = &r->steps[p->next_step];

		next = p->rnext;
		if (now > p->start_ns + r->window_ns) {
			partial_free(s, p);
			continue;
		}
		if (!(st->types & bit) || !in_scope(c, p))
			continue;
		c->caps = p->m.caps;
		c->caps_set = p->m.caps_set;
		if (eval_node(c, st->cond)) {
			capture(c, r, p->next_step, &p->m);
			if (++p->next_step == r->nsteps) {
				*out = p->m;
				memset(&p->m, 0, sizeof(p->m));
				partial_free(s, p);
				done = true;
			}
		}
		c->caps = NULL;
		c->caps_set = NULL;
	}
	if (!done && may_start && (r->steps[0].types & bit) && eval_node(c, r->steps[0].cond))
		partial_start(c, r);
	return done;
}

void fstate_free(struct fstate *s)
{
	if (!s)
		return;
	while (s->lru)
		group_free(s, s->lru);
	while (s->partials)
		partial_free(s, s->partials);
	free(s);
}

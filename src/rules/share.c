/* share.c — one evaluation per event of every test the rules have in common.
 *
 * A hundred rules repeat themselves: the same gate (maybe_written, open_write,
 * spawned_process, package_mgmt_activity) is a macro used by twenty of them, and the same
 * comparison (evt.ret = 0, proc.name in (shell_binaries)) is written inline in many more.
 * Evaluated rule by rule, every use costs a field fetch and a comparison again. After the
 * rules are built, this pass
 *   1. merges structurally equal subtrees (hash-consing: same operator, operands, constants
 *      and merged kids) so that every distinct test exists once, and
 *   2. gives each test reached from more than one place a memo slot: eval.c computes it at
 *      its first use in an event and reuses the result for the rest of that event.
 * Nothing changes what a rule means: a merged subtree computes what each copy computed,
 * and a memoised result is the three-valued result the same event would give again. Tests
 * that read a sequence's captures (different for each partial match) are neither merged
 * nor memoised, nor is anything above them. */
#include <stdlib.h>
#include <string.h>
#include "rules/internal.h"

/* Per node: its canonical twin, whether it reads captures, the parents that reach it. */
struct info {
	const struct node *key;
	struct node *canon;
	bool impure, counted;
	unsigned refs;
};

struct share {
	struct info *info; /* by node address, open addressing */
	size_t info_mask, ninfo;
	struct node **canon; /* by structure, open addressing */
	size_t canon_mask, ncanon;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static uint64_t ptr_hash(const void *p)
{
	return ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull;
}

static void *table_grow(void *old, size_t *mask, size_t used, size_t elem)
{
	size_t cap = *mask + 1;

	if (old && 2 * (used + 1) <= cap)
		return NULL;
	*mask = (old ? 2 * cap : 256) - 1;
	return xcalloc(*mask + 1, elem);
}

static struct info *info_of(struct share *s, const struct node *n)
{
	struct info *fresh = table_grow(s->info, &s->info_mask, s->ninfo, sizeof(*s->info));
	size_t h;

	if (fresh) {
		struct info *old = s->info;
		size_t oldcap = old ? (s->info_mask + 1) / 2 : 0;

		s->info = fresh;
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].key)
				continue;
			for (h = ptr_hash(old[i].key) & s->info_mask; s->info[h].key; h = (h + 1) & s->info_mask)
				;
			s->info[h] = old[i];
		}
		free(old);
	}
	for (h = ptr_hash(n) & s->info_mask; s->info[h].key && s->info[h].key != n; h = (h + 1) & s->info_mask)
		;
	if (!s->info[h].key) {
		s->info[h].key = n;
		s->ninfo++;
	}
	return &s->info[h];
}

static uint64_t operand_hash(uint64_t h, const struct operand *o)
{
	h = mix(h, o->kind);
	h = mix(h, (uintptr_t)o->hf);
	h = mix(h, (uintptr_t)o->ef);
	return mix(h, (uint64_t)(int64_t)o->anc);
}

static bool operand_equal(const struct operand *a, const struct operand *b)
{
	return a->kind == b->kind && a->type == b->type && a->anc == b->anc && a->hf == b->hf &&
	       a->ef == b->ef && a->slot == b->slot;
}

static uint64_t value_hash(uint64_t h, const struct vg_value *v)
{
	switch (v->type) {
	case VG_V_STR:
	case VG_V_LIST:
		return hash_bytes(mix(h, v->str.len), v->str.ptr, v->str.len);
	case VG_V_INT:
		return mix(h, (uint64_t)v->i);
	case VG_V_BOOL:
		return mix(h, v->b);
	case VG_V_IP:
		return hash_bytes(mix(h, v->ip.family), v->ip.addr, sizeof(v->ip.addr));
	}
	return h;
}

/* Over a node whose kids are canonical already. */
static uint64_t node_hash(const struct node *n)
{
	uint64_t h = mix(mix(mix(0, n->kind), n->op), (uint64_t)n->n);

	h = mix(mix(h, n->types), n->truth);
	if (n->kind != NK_CMP) {
		for (int i = 0; i < n->n; i++)
			h = mix(h, (uintptr_t)n->kids[i]);
		return h;
	}
	h = operand_hash(h, &n->lhs);
	if (n->rhs_is_operand)
		return operand_hash(mix(h, 1), &n->rhs);
	for (int i = 0; i < n->n; i++)
		h = mix(value_hash(h, &n->vals[i]), n->prefix ? n->prefix[i] : 0);
	return h;
}

static bool node_equal(const struct node *a, const struct node *b)
{
	if (a->kind != b->kind || a->op != b->op || a->n != b->n || a->types != b->types || a->truth != b->truth)
		return false;
	if (a->kind != NK_CMP)
		return a->n == 0 || memcmp(a->kids, b->kids, (size_t)a->n * sizeof(*a->kids)) == 0;
	if (!operand_equal(&a->lhs, &b->lhs) || a->rhs_is_operand != b->rhs_is_operand)
		return false;
	if (a->rhs_is_operand)
		return operand_equal(&a->rhs, &b->rhs);
	if (!a->prefix != !b->prefix)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!vg_value_equal(&a->vals[i], &b->vals[i]) || (a->prefix && a->prefix[i] != b->prefix[i]))
			return false;
	return true;
}

/* The structural twin of n already met, or n itself, entered. */
static struct node *intern(struct share *s, struct node *n)
{
	struct node **fresh = table_grow(s->canon, &s->canon_mask, s->ncanon, sizeof(*s->canon));
	uint64_t h = node_hash(n);
	size_t i;

	if (fresh) {
		struct node **old = s->canon;
		size_t oldcap = old ? (s->canon_mask + 1) / 2 : 0;

		s->canon = fresh;
		for (size_t k = 0; k < oldcap; k++) {
			if (!old[k])
				continue;
			for (i = node_hash(old[k]) & s->canon_mask; s->canon[i]; i = (i + 1) & s->canon_mask)
				;
			s->canon[i] = old[k];
		}
		free(old);
	}
	for (i = h & s->canon_mask; s->canon[i]; i = (i + 1) & s->canon_mask)
		if (node_equal(s->canon[i], n))
			return s->canon[i];
	s->canon[i] = n;
	s->ncanon++;
	return n;
}

static bool reads_captures(const struct node *n)
{
	return n->kind == NK_CMP &&
	       (n->lhs.kind == OPD_CAPTURE || (n->rhs_is_operand && n->rhs.kind == OPD_CAPTURE));
}

/* n's canonical node, its kids made canonical first (depth is bounded by VG_MAX_DEPTH). */
static struct node *canonical(struct share *s, struct node *n)
{
	struct info *in = info_of(s, n);
	bool impure = reads_captures(n);

	if (in->canon)
		return in->canon;
	for (int i = 0; n->kind != NK_CMP && i < n->n; i++) {
		n->kids[i] = canonical(s, n->kids[i]);
		impure |= info_of(s, n->kids[i])->impure;
	}
	in = info_of(s, n); /* the table may have grown */
	in->impure = impure;
	in->canon = impure ? n : intern(s, n);
	return in->canon;
}

/* Counts, for every node below root, the distinct parents it has (root counts as one). */
static void count_refs(struct share *s, struct node *root, unsigned weight)
{
	struct info *in = info_of(s, root);

	in->refs += weight;
	if (in->counted)
		return;
	in->counted = true;
	for (int i = 0; root->kind != NK_CMP && i < root->n; i++)
		count_refs(s, root->kids[i], 1);
}

static void assign_slots(struct vg_ruleset *rs, struct share *s)
{
	for (size_t i = 0; i <= s->info_mask; i++) {
		struct info *in = &s->info[i];
		struct node *n = (struct node *)in->key;

		/* a type test or a constant costs less than looking a memo up */
		if (!n || in->canon != n || in->impure || in->refs < 2 || n->kind == NK_TYPES || n->kind == NK_CONST)
			continue;
		n->memo = ++rs->nmemo;
	}
	rs->memo = xcalloc(rs->nmemo + 1, sizeof(*rs->memo));
}

void share_tests(struct vg_ruleset *rs)
{
	struct share s = { 0 };

	for (int i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i];

		if (r->cond)
			r->cond = canonical(&s, r->cond);
		for (int k = 0; k < r->nsteps; k++)
			if (r->steps[k].cond)
				r->steps[k].cond = canonical(&s, r->steps[k].cond);
	}
	for (int i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i];

		if (!r->enabled)
			continue;
		if (r->cond)
			count_refs(&s, r->cond, 1);
		/* a step's condition is tried once per partial match in flight */
		for (int k = 0; k < r->nsteps; k++)
			if (r->steps[k].cond)
				count_refs(&s, r->steps[k].cond, 2);
	}
	if (s.info)
		assign_slots(rs, &s);
	else
		rs->memo = xcalloc(1, sizeof(*rs->memo));
	free(s.info);
	free(s.canon);
}

/* index.c — which rules an event can match, found from its strings before any rule runs.
 *
 * The index by event type (engine.c) still leaves an open event thirty rules and an exec
 * forty, and most of them pin a string the event does not have: a path under /etc/cron.d,
 * a program named curl, an executable under /tmp. For each rule and event type, the tests
 * its condition cannot be true without are found: the rule is a conjunction of
 * requirements, each a disjunction of string tests of the forms
 *     FIELD = | in (...)      the value is one of them
 *     FIELD pmatch (...)      the value is one of them or a path below one
 *     FIELD startswith X      (and FIELD regex "^X..." with a literal X after the anchor)
 *     FIELD contains X, FIELD endswith X  (and FIELD regex "...X..." whose every match
 *                             contains the literal X, compile.c)
 * The constants of the anchored tests on one field go into a byte trie, those of contains
 * and endswith into an Aho-Corasick automaton. Per event, each field that some rule of its
 * type requires is walked through them once, marking the requirements it meets; a rule
 * runs only when all of its requirements are met. The rest are skipped
 * with the certainty of the comparisons themselves: a string test that does not hold is
 * false (never unknown), which makes the conjunction false, and a disjunction of false
 * tests false, whatever the other operands hold.
 *
 * What is not a string test of those forms (numbers, ancestors, contains, negations)
 * requires nothing. A sequence rule is filtered by its first step: its partial matches
 * still see every event of their types.
 * The trie is bounded (MAX_NODES); a rule whose constants do not fit is left unfiltered. */
#include <stdlib.h>
#include <string.h>
#include "rules/internal.h"

#define MAX_GROUPS 7       /* requirements kept per rule and type (bits of a byte) */
#define NEVER_BIT 0x80     /* need bit no event sets: the rule cannot match this type */
#define MAX_ATOMS 32       /* string tests in one requirement; more is left unfiltered */
#define MAX_NODES (1u << 20)

enum match {
	MATCH_EQ, MATCH_PATH, MATCH_PREFIX, /* anchored at the start: the prefix trie */
	MATCH_CONTAINS, MATCH_SUFFIX,       /* anywhere, at the end: the substring automaton */
};

struct entry {
	uint32_t rule;
	uint8_t group, mode;
	uint64_t types; /* the event types this requirement was derived for */
};

struct tnode {
	unsigned char byte;
	uint32_t nkids, nentries;
	uint32_t *kids;           /* node indexes, sorted by byte */
	unsigned char *kid_bytes; /* their bytes, side by side: the search reads no node */
	struct entry *entries;
	/* substring automaton (Aho-Corasick): the longest proper suffix that is a node, and the
	 * nearest node with entries along those suffixes (0: none) */
	uint32_t fail, out;
};

struct trie {
	struct operand opd;
	bool substrings;  /* an Aho-Corasick automaton of contains/endswith, else a prefix trie */
	uint64_t types;   /* event types some entry is for */
	struct tnode *nodes;
	uint32_t nnodes;
	uint32_t root[256]; /* the root's child by byte (index_build): most bytes of a walk
			     * start, or fall back, there */
};

struct rule_index {
	int ntries;
	struct trie *tries;
	uint32_t nodes;               /* over every trie, against MAX_NODES */
	uint8_t *need[VG_EV__COUNT];  /* parallel to by_type[t]: requirements of each rule */
	uint8_t *met;                 /* per rule index, for the event being filtered */
};

/* ---- what a condition requires, for events of one type ---- */

enum req_kind { R_ANY, R_NEVER, R_ATOMS };

struct req {
	enum req_kind kind;
	int n;
	const struct node *atom[MAX_ATOMS];
};

static bool is_atom(const struct node *n)
{
	const struct operand *o = &n->lhs;

	if (n->kind != NK_CMP || n->rhs_is_operand || o->type != VG_V_STR)
		return false;
	if (!(o->kind == OPD_EVT || (o->kind == OPD_HDR && o->anc != ANC_ANY)))
		return false;
	return n->op == OP_EQ || n->op == OP_IN || n->op == OP_PMATCH || n->op == OP_STARTSWITH ||
	       n->op == OP_CONTAINS || n->op == OP_ENDSWITH ||
	       (n->op == OP_REGEX && (n->re_prefix || n->re_literal_len));
}

/* A guess at how rarely a requirement holds, from its weakest test: an exact value or a
 * path is rare, a longer prefix rarer than a short one. */
static unsigned selectivity(const struct req *r)
{
	unsigned worst = UINT32_MAX;

	for (int i = 0; i < r->n; i++) {
		const struct node *a = r->atom[i];
		size_t shortest = a->op == OP_REGEX ? a->re_prefix + a->re_literal_len : SIZE_MAX;
		unsigned score;

		for (int k = 0; a->op != OP_REGEX && k < a->n; k++)
			if (a->vals[k].str.len < shortest)
				shortest = a->vals[k].str.len;
		score = (unsigned)(shortest < 64 ? shortest : 64);
		if (a->op == OP_EQ || a->op == OP_IN || a->op == OP_PMATCH)
			score += 64;
		else if (a->op == OP_ENDSWITH)
			score += 16;
		if (score < worst)
			worst = score;
	}
	return worst / (unsigned)(r->n + 1) + worst; /* more alternatives, more often met */
}

static struct req requirement(const struct node *n, unsigned t)
{
	struct req r = { R_ANY, 0, { 0 } }, k;
	bool any = false;

	switch (n->kind) {
	case NK_TYPES:
		r.kind = (n->types >> t) & 1 ? R_ANY : R_NEVER;
		return r;
	case NK_CONST:
		r.kind = n->truth ? R_ANY : R_NEVER;
		return r;
	case NK_NOT:
		if (n->kids[0]->kind == NK_TYPES && (n->kids[0]->types >> t) & 1)
			r.kind = R_NEVER;
		return r;
	case NK_CMP:
		if (is_atom(n)) {
			r.kind = R_ATOMS;
			r.atom[r.n++] = n;
		}
		return r;
	case NK_AND: /* one requirement here: the kid whose tests look the most selective */
		for (int i = 0; i < n->n; i++) {
			k = requirement(n->kids[i], t);
			if (k.kind == R_NEVER)
				return k;
			if (k.kind == R_ATOMS && (r.kind == R_ANY || selectivity(&k) > selectivity(&r)))
				r = k;
		}
		return r;
	case NK_OR:
		r.kind = R_NEVER;
		for (int i = 0; i < n->n && !any; i++) {
			k = requirement(n->kids[i], t);
			if (k.kind == R_ANY || (k.kind == R_ATOMS && r.n + k.n > MAX_ATOMS))
				any = true;
			else if (k.kind == R_ATOMS) {
				memcpy(&r.atom[r.n], k.atom, k.n * sizeof(k.atom[0]));
				r.n += k.n;
				r.kind = R_ATOMS;
			}
		}
		if (any)
			r.kind = R_ANY, r.n = 0;
		return r;
	}
	return r;
}

/* ---- the tries ---- */

static struct trie *trie_for(struct rule_index *x, const struct operand *o, bool substrings)
{
	for (int i = 0; i < x->ntries; i++) {
		const struct operand *p = &x->tries[i].opd;

		if (p->kind == o->kind && p->hf == o->hf && p->ef == o->ef && p->anc == o->anc &&
		    x->tries[i].substrings == substrings)
			return &x->tries[i];
	}
	x->tries = xgrow(x->tries, (size_t)x->ntries, 1, sizeof(*x->tries));
	memset(&x->tries[x->ntries], 0, sizeof(x->tries[0]));
	x->tries[x->ntries].opd = *o;
	x->tries[x->ntries].substrings = substrings;
	x->tries[x->ntries].nodes = xgrow(NULL, 0, 1, sizeof(struct tnode)); /* the root */
	memset(x->tries[x->ntries].nodes, 0, sizeof(struct tnode));
	x->tries[x->ntries].nnodes = 1;
	return &x->tries[x->ntries++];
}

static uint32_t child(const struct tnode *n, unsigned char b)
{
	uint32_t lo = 0, hi = n->nkids;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		unsigned char mb = n->kid_bytes[mid];

		if (mb == b)
			return n->kids[mid];
		if (mb < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static uint32_t add_child(struct rule_index *x, struct trie *tr, uint32_t at, unsigned char b)
{
	uint32_t c = child(&tr->nodes[at], b), pos;
	struct tnode *n;

	if (c)
		return c;
	tr->nodes = xgrow(tr->nodes, tr->nnodes, 1, sizeof(*tr->nodes));
	c = tr->nnodes++;
	x->nodes++;
	memset(&tr->nodes[c], 0, sizeof(tr->nodes[c]));
	tr->nodes[c].byte = b;
	n = &tr->nodes[at];
	n->kids = xgrow(n->kids, n->nkids, 1, sizeof(*n->kids));
	n->kid_bytes = xgrow(n->kid_bytes, n->nkids, 1, 1);
	for (pos = n->nkids; pos > 0 && n->kid_bytes[pos - 1] > b; pos--) {
		n->kids[pos] = n->kids[pos - 1];
		n->kid_bytes[pos] = n->kid_bytes[pos - 1];
	}
	n->kids[pos] = c;
	n->kid_bytes[pos] = b;
	n->nkids++;
	return c;
}

static void insert(struct rule_index *x, struct trie *tr, const char *s, size_t len, struct entry e)
{
	uint32_t at = 0;
	struct tnode *n;

	for (size_t i = 0; i < len; i++)
		at = add_child(x, tr, at, (unsigned char)s[i]);
	n = &tr->nodes[at];
	tr->types |= e.types;
	for (uint32_t i = 0; i < n->nentries; i++) /* the same requirement through another constant */
		if (n->entries[i].rule == e.rule && n->entries[i].group == e.group && n->entries[i].mode == e.mode) {
			n->entries[i].types |= e.types;
			return;
		}
	n->entries = xgrow(n->entries, n->nentries, 1, sizeof(*n->entries));
	n->entries[n->nentries++] = e;
}

static size_t atom_bytes(const struct node *a)
{
	size_t b = 0;

	if (a->op == OP_REGEX)
		return a->re_prefix + a->re_literal_len;
	for (int i = 0; i < a->n; i++)
		b += a->vals[i].str.len;
	return b;
}

static enum match match_of(const struct node *a)
{
	if (a->op == OP_REGEX) /* an anchored literal, else one the match contains */
		return a->re_prefix ? MATCH_PREFIX : MATCH_CONTAINS;
	switch (a->op) {
	case OP_EQ:
	case OP_IN: return MATCH_EQ;
	case OP_PMATCH: return MATCH_PATH;
	case OP_CONTAINS: return MATCH_CONTAINS;
	case OP_ENDSWITH: return MATCH_SUFFIX;
	default: return MATCH_PREFIX; /* startswith */
	}
}

static void index_atom(struct rule_index *x, const struct node *a, struct entry e)
{
	struct trie *tr;

	e.mode = match_of(a);
	tr = trie_for(x, &a->lhs, e.mode == MATCH_CONTAINS || e.mode == MATCH_SUFFIX);
	if (a->op == OP_REGEX) {
		if (a->re_prefix)
			insert(x, tr, a->vals[0].str.ptr + 1, a->re_prefix, e);
		else
			insert(x, tr, a->re_literal, a->re_literal_len, e);
		return;
	}
	for (int i = 0; i < a->n; i++)
		insert(x, tr, a->vals[i].str.ptr, a->vals[i].str.len, e);
}

/* The requirements of n for type t into groups, one per conjunct that has one: an AND's
 * conjuncts are n's, and so are those of an OR whose other alternatives cannot hold for t
 * (`(evt.type = open and A and B) or (evt.type = rename and C)` is A and B for an open).
 * false when n cannot hold for t. */
static bool collect(const struct node *n, unsigned t, struct req groups[MAX_GROUPS], int *ng)
{
	const struct node *live = NULL;
	struct req q;
	int nlive = 0;

	if (n->kind == NK_AND) {
		for (int i = 0; i < n->n; i++)
			if (!collect(n->kids[i], t, groups, ng))
				return false;
		return true;
	}
	if (n->kind == NK_OR) {
		for (int i = 0; i < n->n; i++)
			if (requirement(n->kids[i], t).kind != R_NEVER) {
				live = n->kids[i];
				nlive++;
			}
		if (nlive <= 1)
			return live && collect(live, t, groups, ng);
	}
	q = requirement(n, t);
	if (q.kind == R_NEVER)
		return false;
	if (q.kind == R_ATOMS && *ng < MAX_GROUPS)
		groups[(*ng)++] = q;
	return true;
}

/* The requirements of r for type t: one per conjunct of its condition that has one. */
static uint8_t index_rule(struct rule_index *x, const struct rule *r, const struct node *cond, unsigned t)
{
	struct req groups[MAX_GROUPS];
	int ng = 0;
	size_t bytes = 0;
	uint8_t need = 0;

	if (!collect(cond, t, groups, &ng))
		return NEVER_BIT;
	for (int g = 0; g < ng; g++)
		for (int i = 0; i < groups[g].n; i++)
			bytes += atom_bytes(groups[g].atom[i]);
	if (x->nodes + bytes > MAX_NODES)
		return 0;
	for (int g = 0; g < ng; g++) {
		struct entry e = { (uint32_t)r->index, (uint8_t)g, 0, 1ull << t };

		for (int i = 0; i < groups[g].n; i++)
			index_atom(x, groups[g].atom[i], e);
		need |= (uint8_t)(1u << g);
	}
	return need;
}

/* Aho-Corasick's failure links, breadth first: a node's fail is the longest proper suffix
 * of its string that is a node, found from its parent's. */
static void link_substrings(struct trie *tr)
{
	uint32_t *queue = xcalloc(tr->nnodes, sizeof(*queue)), head = 0, tail = 0;

	for (uint32_t i = 0; i < tr->nodes[0].nkids; i++)
		queue[tail++] = tr->nodes[0].kids[i]; /* depth 1: fail is the root */
	while (head < tail) {
		uint32_t at = queue[head++];
		struct tnode *n = &tr->nodes[at];

		n->out = tr->nodes[n->fail].nentries && n->fail ? n->fail : tr->nodes[n->fail].out;
		for (uint32_t i = 0; i < n->nkids; i++) {
			uint32_t kid = n->kids[i], f = n->fail, next;
			unsigned char b = tr->nodes[kid].byte;

			while (!(next = child(&tr->nodes[f], b)) && f)
				f = tr->nodes[f].fail;
			tr->nodes[kid].fail = next;
			queue[tail++] = kid;
		}
	}
	free(queue);
}

void index_build(struct vg_ruleset *rs)
{
	struct rule_index *x = xcalloc(1, sizeof(*x));

	rs->index = x;
	x->met = xcalloc(rs->nrules ? rs->nrules : 1, 1);
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		if (!rs->nby_type[t])
			continue;
		x->need[t] = xcalloc(rs->nby_type[t], 1);
		for (int i = 0; i < rs->nby_type[t]; i++) {
			const struct rule *r = rs->by_type[t][i];

			const struct node *cond = r->kind == RK_SEQ ? r->steps[0].cond : r->cond;

			if (cond)
				x->need[t][i] = index_rule(x, r, cond, t);
		}
	}
	for (int i = 0; i < x->ntries; i++) {
		struct trie *tr = &x->tries[i];

		for (uint32_t k = 0; k < tr->nodes[0].nkids; k++)
			tr->root[tr->nodes[0].kid_bytes[k]] = tr->nodes[0].kids[k];
		if (tr->substrings)
			link_substrings(tr);
	}
}

void index_free(struct vg_ruleset *rs)
{
	struct rule_index *x = rs->index;

	if (!x)
		return;
	for (int i = 0; i < x->ntries; i++) {
		for (uint32_t k = 0; k < x->tries[i].nnodes; k++) {
			free(x->tries[i].nodes[k].kids);
			free(x->tries[i].nodes[k].kid_bytes);
			free(x->tries[i].nodes[k].entries);
		}
		free(x->tries[i].nodes);
	}
	free(x->tries);
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		free(x->need[t]);
	free(x->met);
	free(x);
}

/* ---- per event ---- */

static void mark(uint8_t *met, const struct tnode *n, unsigned t, const char *p, size_t len, size_t at)
{
	/* a pmatch constant k = p[0..at) holds when p ends there, goes on with '/', or k ends
	 * with '/' (eval.c's rule) */
	bool path = at == len || p[at] == '/' || (at && p[at - 1] == '/');

	for (uint32_t i = 0; i < n->nentries; i++) {
		const struct entry *e = &n->entries[i];

		if (!((e->types >> t) & 1))
			continue;
		if (e->mode == MATCH_PREFIX || (e->mode == MATCH_EQ && at == len) || (e->mode == MATCH_PATH && path))
			met[e->rule] |= (uint8_t)(1u << e->group);
	}
}

/* The entries of node at and of the nodes of its suffixes: contains always, endswith at
 * the end of the value. */
static void mark_substrings(uint8_t *met, const struct trie *tr, uint32_t at, unsigned t, bool end)
{
	for (; at; at = tr->nodes[at].out) {
		const struct tnode *n = &tr->nodes[at];

		for (uint32_t i = 0; i < n->nentries; i++) {
			const struct entry *e = &n->entries[i];

			if ((e->types >> t) & 1 && (e->mode == MATCH_CONTAINS || end))
				met[e->rule] |= (uint8_t)(1u << e->group);
		}
	}
}

/* The node after at on byte b, 0 when none (per event: the root by its table). */
static uint32_t step(const struct trie *tr, uint32_t at, unsigned char b)
{
	return at ? child(&tr->nodes[at], b) : tr->root[b];
}

static void walk_substrings(const struct trie *tr, uint8_t *met, unsigned t, const char *p, size_t len)
{
	const struct tnode *root = &tr->nodes[0];
	uint32_t at = 0;

	for (uint32_t i = 0; i < root->nentries; i++) /* "" is in every value and ends every one */
		if ((root->entries[i].types >> t) & 1)
			met[root->entries[i].rule] |= (uint8_t)(1u << root->entries[i].group);
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)p[i];
		uint32_t next;

		while (!(next = step(tr, at, b)) && at)
			at = tr->nodes[at].fail;
		at = next;
		mark_substrings(met, tr, at, t, i + 1 == len);
	}
}

static void walk(const struct trie *tr, uint8_t *met, unsigned t, const char *p, size_t len)
{
	uint32_t at = 0;

	for (size_t i = 0;; i++) {
		mark(met, &tr->nodes[at], t, p, len, i);
		if (i == len || !(at = step(tr, at, (unsigned char)p[i])))
			return;
	}
}

const uint8_t *index_filter(struct ectx *c, unsigned t, const uint8_t **need)
{
	const struct rule_index *x = c->rs->index;
	struct vg_value v;

	*need = x->need[t];
	if (!*need)
		return NULL;
	memset(x->met, 0, (size_t)c->rs->nrules);
	for (int i = 0; i < x->ntries; i++) {
		const struct trie *tr = &x->tries[i];

		if (!((tr->types >> t) & 1) || !operand_get(c, &tr->opd, 0, &v) || v.type != VG_V_STR)
			continue;
		if (tr->substrings)
			walk_substrings(tr, x->met, t, v.str.ptr, v.str.len);
		else
			walk(tr, x->met, t, v.str.ptr, v.str.len);
	}
	return x->met;
}

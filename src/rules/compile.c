/* compile.c — syntax tree to typed tree. Resolves every name once: fields to accessors,
 * macros to their (shared) compiled trees, lists to their items, `$step.field` to a
 * capture slot of the sequence rule being compiled. Checks operator and value types,
 * turns evt.type tests into type-set nodes (the index of engine.c is derived from
 * them), and prepares constants for eval.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rules/internal.h"

struct node *node_new(struct cctx *c, enum nkind k, int nkids)
{
	struct node *n = arena_alloc(&c->rs->arena, sizeof(*n));

	n->kind = k;
	n->n = nkids;
	if (nkids)
		n->kids = arena_alloc(&c->rs->arena, nkids * sizeof(*n->kids));
	return n;
}

static struct def *find_def(struct def *table, const char *name)
{
	struct def *d;

	HASH_FIND_STR(table, name, d);
	return d;
}

/* Lists may name other lists among their items (Falco does the same). */
static bool list_resolve(struct cctx *c, struct def *d)
{
	int cap = 0;

	if (d->state == 2)
		return true;
	if (d->state != 0) {
		if (d->state == 1)
			src_error(c->errs, d->src, NULL, 0, "list '%s' includes itself", d->name);
		d->state = 3;
		return false;
	}
	d->state = 1;
	for (int i = 0; i < d->nitems; i++) {
		struct def *sub = find_def(c->defs->lists, d->items[i]);
		int n = 1;
		char **items = &d->items[i];

		if (sub) {
			if (!list_resolve(c, sub)) {
				d->state = 3;
				return false;
			}
			n = sub->nexpanded;
			items = sub->expanded;
		}
		if (d->nexpanded + n > cap) {
			cap = (d->nexpanded + n) * 2;
			d->expanded = realloc(d->expanded, cap * sizeof(char *));
			if (!d->expanded)
				abort();
		}
		memcpy(d->expanded + d->nexpanded, items, n * sizeof(char *));
		d->nexpanded += n;
	}
	d->state = 2;
	return true;
}

/* NULL: no such list */
static const char **list_expand(struct cctx *c, const char *name, int *n)
{
	struct def *d = find_def(c->defs->lists, name);

	if (!d || !list_resolve(c, d))
		return NULL;
	*n = d->nexpanded;
	return (const char **)d->expanded;
}

static struct node *macro_node(struct cctx *c, struct def *d, struct loc l)
{
	struct cctx sub = { c->rs, c->errs, c->defs, NULL, 0, NULL };
	struct syn *s;

	if (d->state == 2 || d->state == 3)
		return d->node;
	if (d->state == 1) {
		loc_error(c->errs, l, "macro '%s' refers to itself", d->name);
		return NULL;
	}
	d->state = 1;
	s = syn_parse(&d->cond, c->errs);
	d->node = s ? compile_syn(&sub, s) : NULL;
	syn_free(s);
	d->state = d->node ? 2 : 3;
	return d->node;
}

void compile_all_defs(struct cctx *c)
{
	struct def *d, *tmp;

	HASH_ITER(hh, c->defs->macros, d, tmp)
		if (d->state == 0)
			macro_node(c, d, (struct loc){ &d->cond, 0 });
	HASH_ITER(hh, c->defs->lists, d, tmp)
		list_resolve(c, d);
}

static int slot_for(struct cctx *c, int step, const struct operand *f, struct loc l)
{
	struct rule *r = c->rule;

	for (int i = 0; i < r->nslots; i++)
		if (r->slots[i].step == step && strcmp(r->slots[i].opd.name, f->name) == 0)
			return i;
	if (r->nslots == MAX_SLOTS) {
		loc_error(c->errs, l, "too many captured fields (at most %d)", MAX_SLOTS);
		return -1;
	}
	r->slots[r->nslots] = (struct slot){ step, *f };
	r->slots[r->nslots].opd.name = arena_strdup(&c->rs->arena, f->name);
	return r->nslots++;
}

/* "$step.field": step is a name given to an earlier step, or its number from 1. */
static bool capture_resolve(struct cctx *c, const char *text, struct loc l, struct operand *out)
{
	const char *dot = strchr(text, '.');
	char why[256], stepname[64];
	int step = -1;

	if (!c->rule || c->rule->kind != RK_SEQ) {
		loc_error(c->errs, l, "'%s': captures ($step.field) exist only in sequence steps", text);
		return false;
	}
	if (!dot || dot == text + 1 || (size_t)(dot - text - 1) >= sizeof(stepname)) {
		loc_error(c->errs, l, "'%s': expected $step.field", text);
		return false;
	}
	memcpy(stepname, text + 1, dot - text - 1);
	stepname[dot - text - 1] = 0;
	for (int i = 0; i < c->step; i++)
		if ((c->step_defs[i].name && strcmp(c->step_defs[i].name, stepname) == 0) ||
		    (atoi(stepname) == i + 1 && isdigit((unsigned char)stepname[0])))
			step = i;
	if (step < 0) {
		loc_error(c->errs, l, "'%s': no earlier step named '%s'", text, stepname);
		return false;
	}
	if (!field_resolve(dot + 1, out, why, sizeof(why))) {
		loc_error(c->errs, (struct loc){ l.ct, l.pos + (dot + 1 - text) }, "%s", why);
		return false;
	}
	out->name = arena_strdup(&c->rs->arena, dot + 1);
	out->slot = slot_for(c, step, out, l);
	if (out->slot < 0)
		return false;
	out->kind = OPD_CAPTURE;
	out->name = arena_strdup(&c->rs->arena, text);
	return true;
}

bool operand_from_name(struct cctx *c, const char *name, struct loc l, struct operand *out)
{
	char why[256];

	if (name[0] == '$')
		return capture_resolve(c, name, l, out);
	if (!field_resolve(name, out, why, sizeof(why))) {
		loc_error(c->errs, l, "%s", why);
		return false;
	}
	out->name = arena_strdup(&c->rs->arena, name);
	return true;
}

static bool op_allowed(enum vg_vtype t, enum op op)
{
	switch (t) {
	case VG_V_STR:
	case VG_V_LIST:
		return op != OP_LT && op != OP_LE && op != OP_GT && op != OP_GE;
	case VG_V_INT:
		return op <= OP_IN || op == OP_EXISTS;
	case VG_V_BOOL:
	case VG_V_IP:
		return op == OP_EQ || op == OP_NE || op == OP_IN || op == OP_EXISTS;
	}
	return false;
}

/* A constant of the operand's type from its text. */
static bool constant(struct cctx *c, struct node *n, int i, const char *text, struct loc l)
{
	struct vg_value *v = &n->vals[i];
	char *end, addr[64];
	const char *slash;

	v->type = n->lhs.type == VG_V_LIST ? VG_V_STR : n->lhs.type;
	switch (n->lhs.type) {
	case VG_V_STR:
	case VG_V_LIST:
		v->str.ptr = arena_strdup(&c->rs->arena, text);
		v->str.len = strlen(text);
		if (n->op == OP_ICONTAINS)
			for (char *p = (char *)v->str.ptr; *p; p++)
				*p = tolower((unsigned char)*p);
		return true;
	case VG_V_INT:
		errno = 0;
		v->i = strtoll(text, &end, 0);
		if (!*text || *end || errno) {
			loc_error(c->errs, l, "%s is an int: '%s' is not a number", n->lhs.name, text);
			return false;
		}
		return true;
	case VG_V_BOOL:
		if (strcmp(text, "true") && strcmp(text, "false")) {
			loc_error(c->errs, l, "%s is a bool: expected true or false, found '%s'", n->lhs.name, text);
			return false;
		}
		v->b = text[0] == 't';
		return true;
	case VG_V_IP:
		slash = strchr(text, '/');
		snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - text) : (int)strlen(text), text);
		if (inet_pton(AF_INET, addr, v->ip.addr) == 1) {
			v->ip.family = 4;
		} else if (inet_pton(AF_INET6, addr, v->ip.addr) == 1) {
			v->ip.family = 6;
		} else {
			loc_error(c->errs, l, "%s is an ip: '%s' is not an address or CIDR", n->lhs.name, text);
			return false;
		}
		n->prefix[i] = v->ip.family == 4 ? 32 : 128;
		if (slash) {
			long bits = strtol(slash + 1, &end, 10);

			if (*end || end == slash + 1 || bits < 0 || bits > n->prefix[i]) {
				loc_error(c->errs, l, "bad prefix length in '%s'", text);
				return false;
			}
			n->prefix[i] = (uint8_t)bits;
		}
		return true;
	}
	return false;
}

static bool compile_regex(struct cctx *c, struct node *n, struct loc l)
{
	struct vg_ruleset *rs = c->rs;
	int err;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[256];

	n->re = pcre2_compile((PCRE2_SPTR)n->vals[0].str.ptr, n->vals[0].str.len, 0, &err, &off, NULL);
	if (!n->re) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		loc_error(c->errs, l, "bad regex at offset %zu: %s", (size_t)off, (char *)msg);
		return false;
	}
	pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	rs->regex = realloc(rs->regex, (rs->nregex + 1) * sizeof(*rs->regex));
	if (!rs->regex)
		abort();
	rs->regex[rs->nregex++] = n->re;
	return true;
}

/* The values of `in (...)` and `pmatch (...)`: words naming a list expand to its items. */
static char **in_values(struct cctx *c, enum op op, const struct synval *vals, int nvals,
			bool in_list_name, struct loc **locs, int *n)
{
	char **out = NULL;
	int cnt = 0;
	bool ok = true;

	*locs = NULL;
	for (int i = 0; i < nvals; i++) {
		const char **items = NULL;
		int ni = 1;

		if (vals[i].kind == SV_FIELD || vals[i].kind == SV_CAPTURE) {
			loc_error(c->errs, vals[i].loc, "'%s' takes constants and list names, not '%s'", op_names[op], vals[i].s);
			ok = false;
			continue;
		}
		if (vals[i].kind == SV_WORD)
			items = list_expand(c, vals[i].s, &ni);
		if (!items && in_list_name) {
			loc_error(c->errs, vals[i].loc, "unknown list '%s'", vals[i].s);
			ok = false;
			continue;
		}
		if (!items) {
			items = (const char **)&vals[i].s;
			ni = 1;
		}
		out = realloc(out, (cnt + ni) * sizeof(*out));
		*locs = realloc(*locs, (cnt + ni) * sizeof(**locs));
		if (!out || !*locs)
			abort();
		for (int j = 0; j < ni; j++) {
			out[cnt] = (char *)items[j];
			(*locs)[cnt++] = vals[i].loc;
		}
	}
	*n = ok ? cnt : -1;
	return out;
}

static struct node *types_node(struct cctx *c, enum op op, char **names, struct loc *locs, int n)
{
	struct node *t = node_new(c, NK_TYPES, 0), *neg;
	bool ok = true;

	for (int i = 0; i < n; i++) {
		int ty = vg_event_by_name(names[i]);

		if (ty < 0) {
			loc_error(c->errs, locs[i], "unknown event type '%s'", names[i]);
			ok = false;
		} else {
			t->types |= 1ull << ty;
		}
	}
	if (!ok)
		return NULL;
	if (op != OP_NE)
		return t;
	neg = node_new(c, NK_NOT, 1);
	neg->kids[0] = t;
	return neg;
}

static bool rhs_operand(struct cctx *c, struct node *n, const struct synval *v)
{
	const struct operand *l = &n->lhs;

	if (!operand_from_name(c, v->s, v->loc, &n->rhs))
		return false;
	n->rhs_is_operand = true;
	if (n->op == OP_GLOB || n->op == OP_REGEX || n->op == OP_ICONTAINS) {
		loc_error(c->errs, v->loc, "'%s' needs a constant pattern", op_names[n->op]);
		return false;
	}
	if (n->rhs.type == VG_V_LIST ||
	    (n->rhs.type != l->type && !(l->type == VG_V_LIST && n->rhs.type == VG_V_STR))) {
		loc_error(c->errs, v->loc, "cannot compare %s (%s) with %s (%s)", l->name,
			  vtype_name(l->type), n->rhs.name, vtype_name(n->rhs.type));
		return false;
	}
	return true;
}

struct node *compile_cmp(struct cctx *c, const struct synval *lhs, enum op op, struct loc op_loc,
			 const struct synval *vals, int nvals, bool in_list_name)
{
	struct node *n = node_new(c, NK_CMP, 0), *res = NULL;
	char **texts = NULL;
	struct loc *locs = NULL;
	int nt = 0;
	bool ok = true;

	n->op = op;
	if (!operand_from_name(c, lhs->s, lhs->loc, &n->lhs))
		return NULL;
	if (!op_allowed(n->lhs.type, op)) {
		loc_error(c->errs, op_loc, "operator '%s' does not apply to %s (%s)", op_names[op],
			  n->lhs.name, vtype_name(n->lhs.type));
		return NULL;
	}
	if (op == OP_EXISTS)
		return n;
	if (op == OP_IN || op == OP_PMATCH) {
		texts = in_values(c, op, vals, nvals, in_list_name, &locs, &nt);
		if (nt < 0)
			goto out;
	} else if (nvals == 1 && (vals[0].kind == SV_FIELD || vals[0].kind == SV_CAPTURE)) {
		if (rhs_operand(c, n, &vals[0]))
			res = n;
		goto out;
	} else if (nvals == 1) {
		texts = xcalloc(1, sizeof(*texts));
		locs = xcalloc(1, sizeof(*locs));
		texts[0] = vals[0].s;
		locs[0] = vals[0].loc;
		nt = 1;
	} else {
		goto out; /* the parser reported the missing value */
	}
	if (n->lhs.kind == OPD_HDR && strcmp(n->lhs.hf->name, "evt.type") == 0 &&
	    (op == OP_EQ || op == OP_NE || op == OP_IN)) {
		res = types_node(c, op, texts, locs, nt);
		goto out;
	}
	n->n = nt;
	n->vals = arena_alloc(&c->rs->arena, (nt ? nt : 1) * sizeof(*n->vals));
	if (n->lhs.type == VG_V_IP)
		n->prefix = arena_alloc(&c->rs->arena, nt ? nt : 1);
	for (int i = 0; i < nt; i++)
		ok &= constant(c, n, i, texts[i], locs[i]);
	if (ok && op == OP_REGEX)
		ok = compile_regex(c, n, locs[0]);
	if (ok && op == OP_IN && nt > 8 && (n->lhs.type == VG_V_STR || n->lhs.type == VG_V_LIST))
		n->set = strset_new(&c->rs->arena, n->vals, nt);
	if (ok)
		res = n;
out:
	free(texts);
	free(locs);
	return res;
}

static struct node *compile_bool(struct cctx *c, const struct syn *s, enum nkind k)
{
	struct node *a = compile_syn(c, s->a), *b = compile_syn(c, s->b), *n;
	int na, nb;

	if (!a || !b)
		return NULL;
	na = a->kind == k ? a->n : 1;
	nb = b->kind == k ? b->n : 1;
	n = node_new(c, k, na + nb);
	if (a->kind == k)
		memcpy(n->kids, a->kids, na * sizeof(*n->kids));
	else
		n->kids[0] = a;
	if (b->kind == k)
		memcpy(n->kids + na, b->kids, nb * sizeof(*n->kids));
	else
		n->kids[na] = b;
	return n;
}

struct node *compile_syn(struct cctx *c, const struct syn *s)
{
	struct node *n, *kid;
	struct def *d;
	struct operand dummy;
	char why[64];

	if (!s)
		return NULL;
	switch (s->kind) {
	case SYN_AND:
		return compile_bool(c, s, NK_AND);
	case SYN_OR:
		return compile_bool(c, s, NK_OR);
	case SYN_NOT:
		kid = compile_syn(c, s->a);
		if (!kid)
			return NULL;
		n = node_new(c, NK_NOT, 1);
		n->kids[0] = kid;
		return n;
	case SYN_REF:
		d = find_def(c->defs->macros, s->lhs.s);
		if (d)
			return macro_node(c, d, s->loc);
		if (field_resolve(s->lhs.s, &dummy, why, sizeof(why)))
			loc_error(c->errs, s->loc, "field '%s' needs an operator", s->lhs.s);
		else if (find_def(c->defs->lists, s->lhs.s))
			loc_error(c->errs, s->loc, "list '%s' can only follow 'in'", s->lhs.s);
		else
			loc_error(c->errs, s->loc, "unknown macro or field '%s'", s->lhs.s);
		return NULL;
	case SYN_CMP:
		return compile_cmp(c, &s->lhs, s->op, s->op_loc, s->vals, s->nvals, s->in_list_name);
	}
	return NULL;
}

uint64_t node_types(const struct node *n)
{
	uint64_t t;

	switch (n->kind) {
	case NK_TYPES:
		return n->types;
	case NK_AND:
		t = ALL_TYPES;
		for (int i = 0; i < n->n; i++)
			t &= node_types(n->kids[i]);
		return t;
	case NK_OR:
		t = 0;
		for (int i = 0; i < n->n; i++)
			t |= node_types(n->kids[i]);
		return t;
	case NK_NOT:
		if (n->kids[0]->kind == NK_TYPES)
			return ALL_TYPES & ~n->kids[0]->types;
		return ALL_TYPES;
	case NK_CONST:
		return n->truth ? ALL_TYPES : 0;
	case NK_CMP:
		return ALL_TYPES;
	}
	return ALL_TYPES;
}

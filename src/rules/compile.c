/* compile.c — syntax tree to typed tree. Resolves every name once: fields to accessors,
 * macros to their (shared) compiled trees, lists to their items, `$step.field` to a
 * capture slot of the sequence rule being compiled. Checks operator and value types,
 * turns evt.type tests into type-set nodes (the index of engine.c is derived from
 * them), and prepares constants for eval.c.
 *
 * Every node is measured (node_finish): its cost counts the nodes and constants an
 * evaluation can visit, a shared macro at each of its uses, and its depth the recursion
 * eval_node needs. Both are bounded (VG_MAX_COND_COST, VG_MAX_DEPTH), and so is the
 * memory compiling takes (VG_MAX_RULESET_BYTES, VG_MAX_LIST_ITEMS), so that a small file
 * of macros that double at each level is refused at load instead of compiling for hours
 * or evaluating for seconds per event. */
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

/* Is there room for bytes more? *report: this call is the first to find there is not. */
static bool bytes_fit(struct cctx *c, size_t bytes, bool *report)
{
	struct vg_ruleset *rs = c->rs;

	*report = false;
	if (!rs->over_bytes && rs->arena.total + rs->extra_bytes + bytes <= VG_MAX_RULESET_BYTES)
		return true;
	*report = !rs->over_bytes;
	rs->over_bytes = true;
	return false;
}

#define BYTES_LIMIT_MSG "rules compile to more than %u MiB (limit VG_MAX_RULESET_BYTES)"

bool budget_bytes(struct cctx *c, size_t bytes, struct loc l)
{
	bool report;

	if (bytes_fit(c, bytes, &report))
		return true;
	if (report)
		loc_error(c->errs, l, BYTES_LIMIT_MSG, VG_MAX_RULESET_BYTES >> 20);
	return false;
}

static void measure(struct node *n)
{
	uint64_t cost = 1;
	int depth = 0;

	if (n->kind == NK_CMP)
		cost += n->set && n->op == OP_IN ? 1 : (uint64_t)n->n; /* a hashed `in` costs one probe */
	for (int i = 0; i < n->n && n->kind != NK_CMP; i++) {
		cost += n->kids[i]->cost;
		if (n->kids[i]->depth > depth)
			depth = n->kids[i]->depth;
	}
	n->cost = cost > UINT32_MAX ? UINT32_MAX : (uint32_t)cost;
	n->depth = (uint16_t)(depth >= VG_MAX_DEPTH + 1 ? VG_MAX_DEPTH + 1 : depth + 1);
}

bool node_finish(struct cctx *c, struct node *n, struct loc l)
{
	measure(n);
	if (n->depth > VG_MAX_DEPTH) {
		loc_error(c->errs, l, "condition nested deeper than %d levels once macros are expanded "
			  "(limit VG_MAX_DEPTH)", VG_MAX_DEPTH);
		return false;
	}
	if (n->cost > VG_MAX_COND_COST) {
		loc_error(c->errs, l, "condition of %u nodes and constants once macros and lists are "
			  "expanded (limit VG_MAX_COND_COST: %d)", n->cost, VG_MAX_COND_COST);
		return false;
	}
	return true;
}

static struct def *find_def(struct def *table, const char *name)
{
	struct def *d;

	HASH_FIND_STR(table, name, d);
	return d;
}

/* Lists may name other lists among their items (Falco does the same). Each list is
 * expanded once, into an array of exactly its size, checked before it is allocated. */
static bool list_resolve(struct cctx *c, struct def *d, int depth)
{
	size_t n = 0, k = 0;
	bool report;

	if (d->state == 2)
		return true;
	if (d->state != 0) {
		if (d->state == 1)
			src_error(c->errs, d->src, NULL, 0, "list '%s' includes itself", d->name);
		d->state = 3;
		return false;
	}
	if (depth > VG_MAX_DEPTH) {
		src_error(c->errs, d->src, NULL, 0, "lists nested deeper than %d levels (limit VG_MAX_DEPTH)",
			  VG_MAX_DEPTH);
		d->state = 3;
		return false;
	}
	d->state = 1;
	for (int i = 0; i < d->nitems; i++) {
		struct def *sub = find_def(c->defs->lists, d->items[i]);

		if (sub && !list_resolve(c, sub, depth + 1)) {
			d->state = 3;
			return false;
		}
		n += sub ? (size_t)sub->nexpanded : 1;
	}
	if (n > VG_MAX_LIST_ITEMS) {
		src_error(c->errs, d->src, NULL, 0, "list '%s' expands to %zu items, nested lists included "
			  "(limit VG_MAX_LIST_ITEMS: %d)", d->name, n, VG_MAX_LIST_ITEMS);
		d->state = 3;
		return false;
	}
	if (!bytes_fit(c, n * sizeof(char *), &report)) {
		if (report)
			src_error(c->errs, d->src, NULL, 0, BYTES_LIMIT_MSG, VG_MAX_RULESET_BYTES >> 20);
		d->state = 3;
		return false;
	}
	c->rs->extra_bytes += n * sizeof(char *);
	d->expanded = xcalloc(n, sizeof(char *));
	for (int i = 0; i < d->nitems; i++) {
		struct def *sub = find_def(c->defs->lists, d->items[i]);

		if (!sub)
			d->expanded[k++] = d->items[i];
		for (int j = 0; sub && j < sub->nexpanded; j++)
			d->expanded[k++] = sub->expanded[j];
	}
	d->nexpanded = (int)n;
	d->state = 2;
	return true;
}

/* NULL: no such list */
static const char **list_expand(struct cctx *c, const char *name, int *n)
{
	struct def *d = find_def(c->defs->lists, name);

	if (!d || !list_resolve(c, d, 0))
		return NULL;
	*n = d->nexpanded;
	return (const char **)d->expanded;
}

struct node *compile_text(struct cctx *c, const struct ctext *ct)
{
	struct syn *s = ct->text ? syn_parse(ct, c->errs) : NULL;
	struct node *n = s ? compile_syn(c, s) : NULL;

	syn_free(s);
	return n;
}

/* A macro is compiled once, where it is first used, and shared by every use. */
static struct node *macro_node(struct cctx *c, struct def *d, struct loc l)
{
	struct cctx sub = { c->rs, c->errs, c->defs, NULL, 0, NULL, c->depth };

	if (d->state == 2 || d->state == 3)
		return d->node;
	if (d->state == 1) {
		loc_error(c->errs, l, "macro '%s' refers to itself", d->name);
		return NULL;
	}
	d->state = 1;
	d->node = compile_text(&sub, &d->cond);
	d->state = d->node ? 2 : 3;
	return d->node;
}

void compile_all_defs(struct cctx *c)
{
	struct def *d, *tmp;

	HASH_ITER(hh, c->defs->macros, d, tmp)
		if (d->state == 0 && d->cond.text)
			macro_node(c, d, (struct loc){ &d->cond, 0 });
	HASH_ITER(hh, c->defs->lists, d, tmp)
		list_resolve(c, d, 0);
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

/* The literal every match of pattern starts with when it is anchored: "^/home/" gives
 * 5 ("/home" then '/'), "^/etc/cron[.]d" 9, "^/a+" 0 (the quantified byte is not literal).
 * 0 when some alternative at the top level could escape the anchor or nothing is literal. */
static uint16_t anchored_literal(const pcre2_code *re, const char *pat)
{
	static const char meta[] = "\\^$.|?*+()[]{}";
	uint32_t options = 0;
	size_t n = 0;
	int depth = 0;

	pcre2_pattern_info(re, PCRE2_INFO_ALLOPTIONS, &options);
	if (pat[0] != '^' || !(options & PCRE2_ANCHORED))
		return 0;
	for (const char *p = pat; *p; p++) { /* a top-level | would be a branch without the ^ */
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '[')
			for (p += p[1] == '^' ? 2 : 1, p += *p == ']'; *p && *p != ']'; p++) {
				const char *cls = p[0] == '[' && p[1] == ':' ? strstr(p + 2, ":]") : NULL;

				p = cls ? cls + 1 : p + (*p == '\\' && p[1]);
			}
		else if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p == '|' && depth == 0)
			return 0;
		if (!*p)
			return 0;
	}
	while (pat[1 + n] && !strchr(meta, pat[1 + n]))
		n++;
	if (n && pat[1 + n] && strchr("?*+{", pat[1 + n]))
		n--; /* the last byte is quantified */
	return n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
}

/* The longest run of bytes every match of pattern contains, for the rule index (a subject
 * without them cannot match): "/[.]ssh/authorized_keys2?$" gives "/.ssh/authorized_keys".
 * Only the top-level sequence counts: a group, '.', an escape that is not punctuation or a
 * class of more than one byte ends a run, and a quantified byte leaves it ('+' keeps it).
 * None when a top-level '|' could match without the run or "(?" may change what matches
 * (options such as (?i), lookarounds). The run is written into out (at least pattern's
 * length); its length is returned. */
static size_t contained_literal(const char *pat, char *out)
{
	size_t best = 0, best_at = 0, run = 0, n = 0;
	int depth = 0;

	if (strstr(pat, "(?"))
		return 0;
	for (const char *p = pat; *p; p++) {
		int byte = -1; /* the literal byte this item matches, or -1 */

		if (*p == '\\') {
			if (!p[1])
				return 0;
			p++;
			if (depth == 0 && ispunct((unsigned char)*p))
				byte = (unsigned char)*p;
		} else if (*p == '[') {
			const char *cls = p + 1;
			bool single = cls[0] && cls[0] != '^' && cls[0] != '\\' && cls[0] != '[' && cls[1] == ']';

			if (single && depth == 0)
				byte = (unsigned char)cls[0];
			for (p += p[1] == '^' ? 2 : 1, p += *p == ']'; *p && *p != ']'; p++) {
				const char *named = p[0] == '[' && p[1] == ':' ? strstr(p + 2, ":]") : NULL;

				p = named ? named + 1 : p + (*p == '\\' && p[1]);
			}
			if (!*p)
				return 0;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			depth--;
		} else if (*p == '|' && depth == 0) {
			return 0;
		} else if (*p == '{') { /* a quantifier's counts are not literal */
			while (p[1] && *p != '}')
				p++;
		} else if (depth == 0 && !strchr("^$.?*+}", *p)) {
			byte = (unsigned char)*p;
		}
		if (byte >= 0 && !strchr("?*{", p[1])) {
			out[n++] = (char)byte;
			run++;
			if (p[1] != '+')
				continue;
		}
		/* the run ends here: a quantified or non-literal item */
		if (run > best) {
			best = run;
			best_at = n - run;
		}
		run = 0;
	}
	if (run > best) {
		best = run;
		best_at = n - run;
	}
	memmove(out, out + best_at, best);
	return best > UINT16_MAX ? UINT16_MAX : best;
}

/* Compiled and JIT-compiled once; what one match may cost is bounded at match time by the
 * ruleset's match context (eval.c). The compiled code counts against the ruleset's bytes. */
static bool compile_regex(struct cctx *c, struct node *n, struct loc l)
{
	struct vg_ruleset *rs = c->rs;
	int err;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[256];
	size_t size = 0, jit = 0;

	n->re = pcre2_compile((PCRE2_SPTR)n->vals[0].str.ptr, n->vals[0].str.len, 0, &err, &off, NULL);
	if (!n->re) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		loc_error(c->errs, l, "bad regex at offset %zu: %s", (size_t)off, (char *)msg);
		return false;
	}
	n->re_jit = pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE) == 0; /* else the interpreter */
	n->re_prefix = anchored_literal(n->re, n->vals[0].str.ptr);
	if (!n->re_prefix) {
		char *lit = arena_alloc(&rs->arena, n->vals[0].str.len + 1);

		n->re_literal_len = (uint16_t)contained_literal(n->vals[0].str.ptr, lit);
		n->re_literal = n->re_literal_len ? lit : NULL;
	}
	rs->regex = xgrow(rs->regex, (size_t)rs->nregex, 1, sizeof(*rs->regex));
	rs->regex[rs->nregex++] = n->re;
	pcre2_pattern_info(n->re, PCRE2_INFO_SIZE, &size);
	pcre2_pattern_info(n->re, PCRE2_INFO_JITSIZE, &jit);
	if (!budget_bytes(c, size + jit + sizeof(*rs->regex), l))
		return false;
	rs->extra_bytes += size + jit + sizeof(*rs->regex);
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
		if (!budget_bytes(c, (size_t)(cnt + ni) * (sizeof(*out) + sizeof(**locs) + sizeof(struct vg_value)),
				  vals[i].loc)) {
			ok = false;
			break;
		}
		out = xgrow(out, (size_t)cnt, (size_t)ni, sizeof(*out));
		*locs = xgrow(*locs, (size_t)cnt, (size_t)ni, sizeof(**locs));
		for (int j = 0; j < ni; j++) {
			out[cnt] = (char *)items[j];
			(*locs)[cnt++] = vals[i].loc;
		}
	}
	*n = ok ? cnt : -1;
	return out;
}

static struct node *types_node(struct cctx *c, enum op op, char **names, struct loc *locs, int n,
			       struct loc op_loc)
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
	measure(t);
	if (op != OP_NE)
		return t;
	neg = node_new(c, NK_NOT, 1);
	neg->kids[0] = t;
	return node_finish(c, neg, op_loc) ? neg : NULL;
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
	if (op == OP_EXISTS) {
		measure(n);
		return n;
	}
	if (op == OP_IN || op == OP_PMATCH) {
		texts = in_values(c, op, vals, nvals, in_list_name, &locs, &nt);
		if (nt < 0)
			goto out;
	} else if (nvals == 1 && (vals[0].kind == SV_FIELD || vals[0].kind == SV_CAPTURE)) {
		if (rhs_operand(c, n, &vals[0])) {
			measure(n);
			res = n;
		}
		goto out;
	} else if (nvals == 1) {
		texts = xcalloc(1, sizeof(*texts));
		locs = xcalloc(1, sizeof(*locs));
		texts[0] = vals[0].s;
		locs[0] = vals[0].loc;
		nt = 1;
	} else { /* an exception cell: conditions always have one value here */
		loc_error(c->errs, op_loc, "'%s' takes one value, not %d", op_names[op], nvals);
		goto out;
	}
	if (n->lhs.kind == OPD_HDR && strcmp(n->lhs.hf->name, "evt.type") == 0 &&
	    (op == OP_EQ || op == OP_NE || op == OP_IN)) {
		res = types_node(c, op, texts, locs, nt, op_loc);
		goto out;
	}
	n->n = nt;
	if (!budget_bytes(c, (size_t)nt * (sizeof(*n->vals) + 1), op_loc))
		goto out;
	n->vals = arena_alloc(&c->rs->arena, (nt ? nt : 1) * sizeof(*n->vals));
	if (n->lhs.type == VG_V_IP)
		n->prefix = arena_alloc(&c->rs->arena, nt ? nt : 1);
	for (int i = 0; i < nt; i++)
		ok &= constant(c, n, i, texts[i], locs[i]);
	if (ok && op == OP_REGEX)
		ok = compile_regex(c, n, locs[0]);
	if (ok && (op == OP_IN || op == OP_PMATCH) && nt > 8 && (n->lhs.type == VG_V_STR || n->lhs.type == VG_V_LIST))
		n->set = strset_new(c->rs, n->vals, nt);
	if (ok && node_finish(c, n, op_loc))
		res = n;
out:
	free(texts);
	free(locs);
	return res;
}

/* An and/or chain; kids of the same operator are merged into it (a and (b and c) is one
 * AND of three). The tree is measured before merging, so the merged array is bounded. */
static struct node *compile_bool(struct cctx *c, const struct syn *s, enum nkind k)
{
	struct node *n = node_new(c, k, s->nkids), *flat;
	bool ok = true;
	int total = 0;

	for (int i = 0; i < s->nkids; i++) {
		n->kids[i] = compile_syn(c, s->kids[i]);
		if (!n->kids[i])
			ok = false;
		else
			total += n->kids[i]->kind == k ? n->kids[i]->n : 1;
	}
	if (!ok || !node_finish(c, n, s->loc))
		return NULL;
	if (total == n->n)
		return n;
	if (!budget_bytes(c, (size_t)total * sizeof(*n->kids), s->loc))
		return NULL;
	flat = node_new(c, k, total);
	total = 0;
	for (int i = 0; i < n->n; i++) {
		const struct node *kid = n->kids[i];

		if (kid->kind == k) {
			memcpy(flat->kids + total, kid->kids, kid->n * sizeof(*kid->kids));
			total += kid->n;
		} else {
			flat->kids[total++] = n->kids[i];
		}
	}
	measure(flat);
	return flat;
}

static struct node *compile_one(struct cctx *c, const struct syn *s);

/* Recursion is bounded here: macros within macros nest compile_syn like parentheses do. */
struct node *compile_syn(struct cctx *c, const struct syn *s)
{
	struct node *n;

	if (!s)
		return NULL;
	if (c->depth >= VG_MAX_DEPTH) {
		loc_error(c->errs, s->loc, "condition nested deeper than %d levels once macros are expanded "
			  "(limit VG_MAX_DEPTH)", VG_MAX_DEPTH);
		return NULL;
	}
	c->depth++;
	n = compile_one(c, s);
	c->depth--;
	return n;
}

static struct node *compile_one(struct cctx *c, const struct syn *s)
{
	struct node *n, *kid;
	struct def *d;
	struct operand dummy;
	char why[64];

	switch (s->kind) {
	case SYN_AND:
		return compile_bool(c, s, NK_AND);
	case SYN_OR:
		return compile_bool(c, s, NK_OR);
	case SYN_NOT:
		kid = compile_syn(c, s->kids[0]);
		if (!kid)
			return NULL;
		n = node_new(c, NK_NOT, 1);
		n->kids[0] = kid;
		return node_finish(c, n, s->loc) ? n : NULL;
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

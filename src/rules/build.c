/* build.c — turns loaded definitions into a ruleset: compiles every macro and list (in
 * file order, used or not, so that `rules check` reports every error and not just those on
 * a used path), then each rule's condition (or its frequency and sequence parts), folds its
 * exceptions in as `and not (...)`, and compiles its output template. */
#include <stdlib.h>
#include <string.h>
#include "rules/internal.h"

/* A field named in a YAML scalar (by:, distinct:, exception fields). */
static bool operand_at(struct cctx *c, const char *name, const struct src *src, struct operand *out)
{
	struct ctext ct = { 0 };
	bool ok;

	ctext_add(&ct, src, name);
	ok = operand_from_name(c, name, (struct loc){ &ct, 0 }, out);
	ctext_free(&ct);
	return ok;
}

/* kids under one AND or OR, measured; NULL past a budget (reported at l). */
static struct node *join(struct cctx *c, enum nkind k, struct node **kids, int n, struct loc l)
{
	struct node *j;

	if (n == 1)
		return kids[0];
	j = node_new(c, k, n);
	memcpy(j->kids, kids, n * sizeof(*kids));
	return node_finish(c, j, l) ? j : NULL;
}

/* One row of a Falco-style exception: every field compared with its value. */
static struct node *exc_row(struct cctx *c, const struct exc_def *e, const struct exc_row *row,
			    struct loc l)
{
	struct node **kids = xcalloc(e->nfields, sizeof(*kids)), *res = NULL;
	bool ok = true;

	for (int f = 0; f < e->nfields; f++) {
		const struct exc_cell *cell = &row->cells[f];
		int nv = (cell->s ? 1 : 0) + cell->nseq, k = 0;
		struct ctext *cts = xcalloc(nv + 2, sizeof(*cts));
		struct synval *vals = xcalloc(nv + 1, sizeof(*vals));
		struct synval lhs = { SV_WORD, e->fields[f], { &cts[0], 0 } };
		enum op op = op_parse(e->comps[f]);

		ctext_add(&cts[0], e->field_src[f], e->fields[f]);
		ctext_add(&cts[1], e->comp_src[f], e->comps[f]);
		if (cell->s) {
			ctext_add(&cts[2], cell->src, cell->s);
			vals[k++] = (struct synval){ op == OP_IN || op == OP_PMATCH ? SV_WORD : SV_STRING, cell->s,
						     { &cts[2], 0 } };
		}
		for (int i = 0; i < cell->nseq; i++, k++) {
			ctext_add(&cts[2 + k], cell->seq_src[i], cell->seq[i]);
			vals[k] = (struct synval){ SV_STRING, cell->seq[i], { &cts[2 + k], 0 } };
		}
		kids[f] = compile_cmp(c, &lhs, op, (struct loc){ &cts[1], 0 }, vals, nv, false);
		ok &= kids[f] != NULL;
		for (int i = 0; i < nv + 2; i++)
			ctext_free(&cts[i]);
		free(cts);
		free(vals);
	}
	if (ok)
		res = join(c, NK_AND, kids, e->nfields, l);
	free(kids);
	return res;
}

/* The OR of all exceptions, NULL when there are none (or on error: check errs). */
static struct node *exceptions(struct cctx *c, const struct rdef *rd, struct loc l)
{
	struct node **kids = NULL, *n, *res;
	int nk = 0;

	for (int i = 0; i < rd->nexc; i++) {
		const struct exc_def *e = &rd->exc[i];

		for (int r = 0; r <= e->nrows; r++) {
			if (r == e->nrows && !e->cond.text)
				break;
			n = r < e->nrows ? exc_row(c, e, &e->rows[r], l) : compile_text(c, &e->cond);
			if (!n)
				continue;
			if (!budget_bytes(c, (nk + 1) * sizeof(*kids), l))
				break;
			kids = xgrow(kids, (size_t)nk, 1, sizeof(*kids));
			kids[nk++] = n;
		}
	}
	res = nk ? join(c, NK_OR, kids, nk, l) : NULL;
	free(kids);
	return res;
}

static struct node *and_not(struct cctx *c, struct node *cond, struct node *exc, struct loc l)
{
	struct node *n, *neg;

	if (!exc || !cond)
		return cond;
	neg = node_new(c, NK_NOT, 1);
	neg->kids[0] = exc;
	n = node_new(c, NK_AND, 2);
	n->kids[0] = cond;
	n->kids[1] = neg;
	return node_finish(c, neg, l) && node_finish(c, n, l) ? n : NULL;
}

/* Where a rule's errors that concern it as a whole are reported: its condition, or for a
 * sequence its last step (the one exceptions apply to). NULL text: none was loaded. */
static const struct ctext *rule_text(const struct rdef *rd)
{
	return rd->kind == RK_SEQ ? (rd->nsteps ? &rd->steps[rd->nsteps - 1].cond : NULL) : &rd->cond;
}

/* Evaluation cost over all rules: each enabled rule adds what its trees can cost. */
static void charge_rule(struct cctx *c, const struct rule *r, struct loc l)
{
	struct vg_ruleset *rs = c->rs;
	uint64_t cost = r->cond ? r->cond->cost : 0;

	for (int i = 0; i < r->nsteps; i++)
		cost += r->steps[i].cond ? r->steps[i].cond->cost : 0;
	if (!r->enabled)
		return;
	rs->cost += cost;
	if (rs->cost <= VG_MAX_RULESET_COST || rs->over_cost)
		return;
	rs->over_cost = true;
	loc_error(c->errs, l, "rules of more than %d nodes and constants together once macros and lists "
		  "are expanded (limit VG_MAX_RULESET_COST)", VG_MAX_RULESET_COST);
}

static bool compile_rule(struct cctx *c, const struct rdef *rd, struct rule *r)
{
	struct arena *a = &c->rs->arena;
	int nerr = c->errs->n;
	const struct ctext *text = rule_text(rd);
	struct loc l = { text, 0 };
	struct node *exc;

	r->name = arena_strdup(a, rd->name);
	r->desc = arena_strdup(a, rd->desc ? rd->desc : "");
	r->prio = rd->prio;
	r->action = rd->action;
	r->kind = rd->kind;
	r->enabled = rd->enabled && (int)rd->prio <= c->rs->opts.min_priority;
	r->ntags = rd->ntags;
	r->tags = arena_alloc(a, (rd->ntags + 2) * sizeof(*r->tags));
	for (int i = 0; i < rd->ntags; i++)
		r->tags[i] = arena_strdup(a, rd->tags[i]);
	r->tags[rd->ntags] = VG_TAG_REGEX_LIMIT;
	if (!text || !text->text)
		return false; /* the loader reported the missing condition */
	c->rule = r;
	exc = exceptions(c, rd, l);
	if (rd->kind == RK_SEQ) {
		r->nsteps = rd->nsteps;
		r->window_ns = rd->window_ns;
		r->scope = rd->scope;
		c->step_defs = rd->steps;
		for (int i = 0; i < rd->nsteps; i++) {
			struct step *st = &r->steps[i];

			c->step = i;
			st->name = rd->steps[i].name ? arena_strdup(a, rd->steps[i].name) : NULL;
			st->cond = compile_text(c, &rd->steps[i].cond);
			if (i == rd->nsteps - 1)
				st->cond = and_not(c, st->cond, exc, l);
			if (st->cond)
				r->types |= st->types = node_types(st->cond);
		}
	} else {
		r->cond = and_not(c, compile_text(c, &rd->cond), exc, l);
		r->types = r->cond ? node_types(r->cond) : 0;
	}
	charge_rule(c, r, l);
	if (rd->kind == RK_FREQ) {
		r->count = rd->count;
		r->window_ns = rd->window_ns;
		r->has_distinct = rd->distinct != NULL;
		if (rd->distinct)
			operand_at(c, rd->distinct, rd->distinct_src, &r->distinct);
		r->nby = rd->nby;
		r->by = arena_alloc(a, (rd->nby + 1) * sizeof(*r->by));
		for (int i = 0; i < rd->nby; i++)
			operand_at(c, rd->by[i], rd->by_src[i], &r->by[i]);
	}
	if (r->action == VG_ACTION_DENY)
		deny_check(c, r, rd->action_src);
	c->step = r->nsteps;
	tmpl_compile(c, &r->output, rd->output, rd->output_src);
	c->rule = NULL;
	c->step_defs = NULL;
	return c->errs->n == nerr;
}

struct vg_ruleset *build_ruleset(struct defs *d, const struct vg_rules_opts *opts,
				 struct vg_rules_errors *errs)
{
	struct vg_ruleset *rs = xcalloc(1, sizeof(*rs));
	struct cctx c = { rs, errs, d, NULL, 0, NULL, 0 };
	int n = 0;

	if (opts)
		rs->opts = *opts;
	if (!opts || !rs->opts.min_priority)
		rs->opts.min_priority = VG_PRIO_DEBUG;
	rs->opts.rate_burst = rs->opts.rate_burst ? rs->opts.rate_burst : 10;
	rs->opts.rate_per_sec = rs->opts.rate_per_sec > 0 ? rs->opts.rate_per_sec : 1.0;
	rs->opts.max_buckets = rs->opts.max_buckets ? rs->opts.max_buckets : 4096;
	rs->opts.max_groups = rs->opts.max_groups ? rs->opts.max_groups : 1024;
	rs->opts.max_partials = rs->opts.max_partials ? rs->opts.max_partials : 1024;
	for (struct rdef *rd = d->order; rd; rd = rd->next)
		n++;
	rs->rules = xcalloc(n, sizeof(*rs->rules));
	compile_all_defs(&c); /* first, in file order: a rule then meets compiled macros only */
	for (struct rdef *rd = d->order; rd; rd = rd->next) {
		rs->rules[rs->nrules].index = rs->nrules;
		compile_rule(&c, rd, &rs->rules[rs->nrules++]);
	}
	rs->counts = (struct vg_rules_counts){ rs->nrules, d->nmacros, d->nlists };
	rs->state = fstate_new(&rs->opts);
	rs->limiter = limiter_new(&rs->opts);
	rs->md = pcre2_match_data_create(1, NULL);
	rs->mctx = regex_match_context();
	if (!rs->md || !rs->mctx)
		abort();
	if (errs->n) {
		vg_ruleset_free(rs);
		return NULL;
	}
	share_tests(rs);
	engine_index(rs);
	index_build(rs);
	return rs;
}

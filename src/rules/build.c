/* build.c — turns loaded definitions into a ruleset: compiles each rule's condition (or
 * its frequency and sequence parts), folds its exceptions in as `and not (...)`,
 * compiles its output template, then checks the macros and lists no rule used, so that
 * `rules check` reports every error and not just those on a used path. */
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

/* NULL text: the loader already reported the missing condition. */
static struct node *compile_text(struct cctx *c, const struct ctext *ct)
{
	struct syn *s = ct->text ? syn_parse(ct, c->errs) : NULL;
	struct node *n = s ? compile_syn(c, s) : NULL;

	syn_free(s);
	return n;
}

static struct node *join(struct cctx *c, enum nkind k, struct node **kids, int n)
{
	struct node *j;

	if (n == 1)
		return kids[0];
	j = node_new(c, k, n);
	memcpy(j->kids, kids, n * sizeof(*kids));
	return j;
}

/* One row of a Falco-style exception: every field compared with its value. */
static struct node *exc_row(struct cctx *c, const struct exc_def *e, const struct exc_row *row)
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
		res = join(c, NK_AND, kids, e->nfields);
	free(kids);
	return res;
}

/* The OR of all exceptions, NULL when there are none (or on error: check errs). */
static struct node *exceptions(struct cctx *c, const struct rdef *rd)
{
	struct node **kids = NULL, *n, *res;
	int nk = 0;

	for (int i = 0; i < rd->nexc; i++) {
		const struct exc_def *e = &rd->exc[i];

		for (int r = 0; r <= e->nrows; r++) {
			if (r == e->nrows && !e->cond.text)
				break;
			n = r < e->nrows ? exc_row(c, e, &e->rows[r]) : compile_text(c, &e->cond);
			if (!n)
				continue;
			kids = realloc(kids, (nk + 1) * sizeof(*kids));
			if (!kids)
				abort();
			kids[nk++] = n;
		}
	}
	res = nk ? join(c, NK_OR, kids, nk) : NULL;
	free(kids);
	return res;
}

static struct node *and_not(struct cctx *c, struct node *cond, struct node *exc)
{
	struct node *n, *neg;

	if (!exc || !cond)
		return cond;
	neg = node_new(c, NK_NOT, 1);
	neg->kids[0] = exc;
	n = node_new(c, NK_AND, 2);
	n->kids[0] = cond;
	n->kids[1] = neg;
	return n;
}

static bool compile_rule(struct cctx *c, const struct rdef *rd, struct rule *r)
{
	struct arena *a = &c->rs->arena;
	int nerr = c->errs->n;
	struct node *exc;

	r->name = arena_strdup(a, rd->name);
	r->desc = arena_strdup(a, rd->desc ? rd->desc : "");
	r->prio = rd->prio;
	r->action = rd->action;
	r->kind = rd->kind;
	r->enabled = rd->enabled && (int)rd->prio <= c->rs->opts.min_priority;
	r->ntags = rd->ntags;
	r->tags = arena_alloc(a, (rd->ntags + 1) * sizeof(*r->tags));
	for (int i = 0; i < rd->ntags; i++)
		r->tags[i] = arena_strdup(a, rd->tags[i]);
	c->rule = r;
	exc = exceptions(c, rd);
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
				st->cond = and_not(c, st->cond, exc);
			if (st->cond)
				r->types |= st->types = node_types(st->cond);
		}
	} else {
		r->cond = and_not(c, compile_text(c, &rd->cond), exc);
		r->types = r->cond ? node_types(r->cond) : 0;
	}
	if (rd->kind == RK_FREQ) {
		r->count = rd->count;
		r->window_ns = rd->window_ns;
		r->has_distinct = rd->distinct != NULL;
		if (rd->distinct)
			operand_at(c, rd->distinct, rd->distinct_src, &r->distinct);
		r->nby = rd->nby;
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
	struct cctx c = { rs, errs, d, NULL, 0, NULL };
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
	for (struct rdef *rd = d->order; rd; rd = rd->next) {
		rs->rules[rs->nrules].index = rs->nrules;
		compile_rule(&c, rd, &rs->rules[rs->nrules++]);
	}
	compile_all_defs(&c);
	rs->counts = (struct vg_rules_counts){ rs->nrules, d->nmacros, d->nlists };
	rs->state = fstate_new(&rs->opts);
	rs->limiter = limiter_new(&rs->opts);
	rs->md = pcre2_match_data_create(1, NULL);
	if (!rs->md)
		abort();
	if (errs->n) {
		vg_ruleset_free(rs);
		return NULL;
	}
	engine_index(rs);
	return rs;
}

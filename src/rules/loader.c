/* loader.c — YAML rules files to definitions (struct defs), with libyaml's document API
 * so that every node keeps its start mark for file:line:col errors.
 *
 * Items: `- rule:`, `- macro:`, `- list:` (and `- required_engine_version:`, accepted and
 * ignored for Falco files). A later item of the same name replaces an earlier one, or
 * with `append: true` appends to it (condition text, list items, tags, exception
 * values), or with `override: {key: append|replace}` does either per key. A rule item
 * holding only its name and `enabled` toggles the earlier rule. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>
#include "rules/internal.h"
#include "units.h"

/* ---- lists and macros ---- */
static struct def *def_get(struct loader *L, struct def **table, int *count, const char *name,
			   bool create)
{
	struct def *d;

	HASH_FIND_STR(*table, name, d);
	if (d || !create)
		return d;
	d = arena_alloc(&L->a, sizeof(*d));
	d->name = arena_strdup(&L->a, name);
	HASH_ADD_KEYPTR(hh, *table, d->name, strlen(d->name), d);
	(*count)++;
	return d;
}

static void load_def(struct loader *L, yaml_node_t *map, bool is_list)
{
	static const char *const list_keys[] = { "list", "items", "append", "override", NULL };
	static const char *const macro_keys[] = { "macro", "condition", "append", "override", NULL };
	const char *what = is_list ? "list" : "macro", *body = is_list ? "items" : "condition";
	struct kv kv[MAX_KEYS];
	int n = y_keys(L, map, what, is_list ? list_keys : macro_keys, kv);
	yaml_node_t *v;
	char *name;
	bool append = false;
	struct def *d;
	enum mode m;

	if (n < 0 || !(name = y_scalar(L, y_get(kv, n, what), what)))
		return;
	if ((v = y_get(kv, n, "append")) && !y_bool(L, v, "append", &append))
		return;
	d = def_get(L, is_list ? &L->d.lists : &L->d.macros, is_list ? &L->d.nlists : &L->d.nmacros,
		    name, false);
	if (!d && (append || y_get(kv, n, "override"))) {
		y_error(L, map, "%s '%s': no earlier %s of that name to append to or override", what, name, what);
		return;
	}
	if (!(v = y_get(kv, n, body))) {
		y_error(L, map, "%s '%s' has no '%s'", what, name, body);
		return;
	}
	if (!y_mode(L, kv, n, body, append, &m))
		return;
	if (!d) /* only now: a definition without its body must not exist for later stages */
		d = def_get(L, is_list ? &L->d.lists : &L->d.macros, is_list ? &L->d.nlists : &L->d.nmacros,
			    name, true);
	d->src = y_src(L, map);
	if (is_list)
		y_strings(L, v, "items", &d->items, NULL, &d->nitems, m);
	else
		y_cond(L, &d->cond, v, m);
}

/* Condition texts are heap-allocated (they grow on append); the rest is in the arena. */
static void exc_release(struct rdef *rd)
{
	for (int i = 0; i < rd->nexc; i++)
		ctext_free(&rd->exc[i].cond);
	rd->nexc = 0;
}

static void steps_release(struct rdef *rd)
{
	for (int i = 0; i < rd->nsteps; i++)
		ctext_free(&rd->steps[i].cond);
	rd->nsteps = 0;
}

static void rdef_release(struct rdef *rd)
{
	ctext_free(&rd->cond);
	exc_release(rd);
	steps_release(rd);
}

/* ---- exceptions ---- */
static bool exc_cell(struct loader *L, yaml_node_t *n, struct exc_cell *c)
{
	memset(c, 0, sizeof(*c));
	if (n->type == YAML_SCALAR_NODE) {
		c->s = y_scalar(L, n, "values");
		c->src = y_src(L, n);
		return true;
	}
	return y_strings(L, n, "values", &c->seq, &c->seq_src, &c->nseq, M_REPLACE);
}

static bool exc_values(struct loader *L, struct exc_def *e, yaml_node_t *v)
{
	struct exc_row *rows;
	int add;

	if (v->type != YAML_SEQUENCE_NODE) {
		y_error(L, v, "exception '%s': 'values' must be a list", e->name);
		return false;
	}
	add = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
	rows = y_grow(L, v, e->rows, e->nrows, add, sizeof(*e->rows));
	if (!rows)
		return false;
	e->rows = rows;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *rn = y_node(L, *it);
		struct exc_row *row = &e->rows[e->nrows];

		row->n = e->nfields;
		row->cells = y_grow(L, rn, NULL, 0, e->nfields, sizeof(*row->cells));
		if (!row->cells)
			return false;
		memset(row->cells, 0, e->nfields * sizeof(*row->cells));
		if (e->single) {
			if (!exc_cell(L, rn, &row->cells[0]))
				return false;
		} else {
			int k = 0;

			if (rn->type != YAML_SEQUENCE_NODE ||
			    rn->data.sequence.items.top - rn->data.sequence.items.start != e->nfields) {
				y_error(L, rn, "exception '%s': each value must be a list of %d (one per field)",
					   e->name, e->nfields);
				return false;
			}
			for (yaml_node_item_t *c = rn->data.sequence.items.start; c < rn->data.sequence.items.top; c++)
				if (!exc_cell(L, y_node(L, *c), &row->cells[k++]))
					return false;
		}
		e->nrows++;
	}
	return true;
}

static bool exc_fields(struct loader *L, struct exc_def *e, yaml_node_t *fields, yaml_node_t *comps)
{
	char **c = NULL;
	const struct src **cs = NULL;
	int nc = 0;

	e->single = fields->type == YAML_SCALAR_NODE;
	if (!y_strings(L, fields, "fields", &e->fields, &e->field_src, &e->nfields, M_REPLACE))
		return false;
	if (e->nfields == 0) { /* no field to compare: every event would be excepted */
		y_error(L, fields, "exception '%s': 'fields' is empty", e->name);
		return false;
	}
	if (comps && !y_strings(L, comps, "comps", &c, &cs, &nc, M_REPLACE))
		return false;
	if (comps && nc != 1 && nc != e->nfields) {
		y_error(L, comps, "exception '%s': %d comps for %d fields", e->name, nc, e->nfields);
		return false;
	}
	e->comps = y_grow(L, fields, NULL, 0, e->nfields, sizeof(*e->comps));
	e->comp_src = y_grow(L, fields, NULL, 0, e->nfields, sizeof(*e->comp_src));
	if (!e->comps || !e->comp_src)
		return false;
	for (int i = 0; i < e->nfields; i++) {
		e->comps[i] = nc ? c[nc == 1 ? 0 : i] : (char *)(e->single ? "in" : "=");
		e->comp_src[i] = nc ? cs[nc == 1 ? 0 : i] : e->field_src[i];
		if (op_parse(e->comps[i]) < 0 || op_parse(e->comps[i]) == OP_EXISTS) {
			src_error(L->errs, e->comp_src[i], NULL, 0, "exception '%s': unknown comparison '%s'",
				  e->name, e->comps[i]);
			return false;
		}
	}
	return true;
}

static void load_exceptions(struct loader *L, struct rdef *rd, yaml_node_t *seq, enum mode m)
{
	static const char *const exc_keys[] = { "name", "fields", "comps", "values", "condition", NULL };

	if (seq->type != YAML_SEQUENCE_NODE) {
		y_error(L, seq, "'exceptions' must be a list");
		return;
	}
	if (m == M_REPLACE)
		exc_release(rd);
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *item = y_node(L, *it), *v;
		struct kv kv[MAX_KEYS];
		int n = y_keys(L, item, "exception", exc_keys, kv), i;
		struct exc_def *e;
		char *name;

		if (n < 0 || !(v = y_get(kv, n, "name"))) {
			if (n >= 0)
				y_error(L, item, "exception without a name");
			continue;
		}
		if (!(name = y_scalar(L, v, "name")))
			continue;
		for (i = 0; i < rd->nexc && strcmp(rd->exc[i].name, name); i++)
			;
		if (i == rd->nexc) { /* a new exception */
			struct exc_def *grown;

			if (rd->nexc == VG_MAX_EXCEPTIONS) {
				y_error(L, item, "rule '%s': more than %d exceptions (limit VG_MAX_EXCEPTIONS)",
					rd->name, VG_MAX_EXCEPTIONS);
				return;
			}
			grown = y_grow(L, item, rd->exc, rd->nexc, 1, sizeof(*rd->exc));

			if (!grown)
				continue;
			rd->exc = grown;
			e = &rd->exc[rd->nexc++];
			memset(e, 0, sizeof(*e));
			e->name = name;
			if (y_get(kv, n, "condition")) {
				y_cond(L, &e->cond, y_get(kv, n, "condition"), M_REPLACE);
				continue;
			}
			if (!y_get(kv, n, "fields")) {
				y_error(L, item, "exception '%s' needs 'fields' (or a 'condition')", name);
				rd->nexc--;
				continue;
			}
			if (!exc_fields(L, e, y_get(kv, n, "fields"), y_get(kv, n, "comps"))) {
				rd->nexc--;
				continue;
			}
		}
		e = &rd->exc[i];
		if ((v = y_get(kv, n, "values")) && !e->cond.text)
			exc_values(L, e, v);
	}
}

/* ---- frequency and sequence ---- */
static bool number(struct loader *L, yaml_node_t *n, const char *what, long lo, long hi, long *out)
{
	const char *s = y_scalar(L, n, what);
	char *end;

	if (!s)
		return false;
	*out = strtol(s, &end, 10);
	if (*s && !*end && *out >= lo && *out <= hi)
		return true;
	y_error(L, n, "'%s' must be a number from %ld to %ld, not '%s'", what, lo, hi, s);
	return false;
}

static bool window(struct loader *L, yaml_node_t *n, uint64_t *ns)
{
	const char *s = n ? y_scalar(L, n, "window") : NULL;

	if (s && vg_parse_duration_ns(s, ns) && *ns)
		return true;
	if (s)
		y_error(L, n, "'window' must be a duration like 10s, 500ms, 5m or 1h, not '%s'", s);
	return false;
}

static void load_frequency(struct loader *L, struct rdef *rd, yaml_node_t *map)
{
	static const char *const fkeys[] = { "count", "window", "distinct", "by", NULL };
	struct kv kv[MAX_KEYS];
	int n = y_keys(L, map, "frequency", fkeys, kv);
	long count;
	yaml_node_t *v;

	if (n < 0)
		return;
	rd->kind = RK_FREQ;
	if (!y_get(kv, n, "count") || !y_get(kv, n, "window")) {
		y_error(L, map, "frequency needs 'count' and 'window'");
		return;
	}
	if (number(L, y_get(kv, n, "count"), "count", 1, 10000, &count))
		rd->count = (unsigned)count;
	window(L, y_get(kv, n, "window"), &rd->window_ns);
	if ((v = y_get(kv, n, "distinct"))) {
		rd->distinct = y_scalar(L, v, "distinct");
		rd->distinct_src = y_src(L, v);
	}
	rd->nby = 0;
	if ((v = y_get(kv, n, "by")) && y_strings(L, v, "by", &rd->by, &rd->by_src, &rd->nby, M_REPLACE) &&
	    rd->nby > MAX_BY) {
		y_error(L, v, "at most %d 'by' fields, not %d", MAX_BY, rd->nby);
		rd->nby = 0;
	}
}

static void load_sequence(struct loader *L, struct rdef *rd, yaml_node_t *map)
{
	static const char *const skeys[] = { "window", "scope", "steps", NULL };
	static const char *const stkeys[] = { "name", "condition", NULL };
	static const char *const scopes[] = { "tree", "parent_tree", "process", "session", "host" };
	struct kv kv[MAX_KEYS];
	int n = y_keys(L, map, "sequence", skeys, kv), nsteps;
	yaml_node_t *steps, *v;
	const char *s;

	if (n < 0)
		return;
	rd->kind = RK_SEQ;
	steps = y_get(kv, n, "steps");
	if (!steps || !y_get(kv, n, "window")) {
		y_error(L, map, "sequence needs 'steps' and 'window'");
		return;
	}
	window(L, y_get(kv, n, "window"), &rd->window_ns);
	rd->scope = SCOPE_TREE;
	if ((v = y_get(kv, n, "scope")) && (s = y_scalar(L, v, "scope"))) {
		for (rd->scope = 0; rd->scope <= SCOPE_HOST && strcmp(scopes[rd->scope], s); rd->scope++)
			;
		if (rd->scope > SCOPE_HOST)
			y_error(L, v, "unknown scope '%s' (expected tree, parent_tree, process, session or host)", s);
	}
	nsteps = steps->type == YAML_SEQUENCE_NODE ?
		 (int)(steps->data.sequence.items.top - steps->data.sequence.items.start) : 0;
	if (nsteps < 2 || nsteps > MAX_STEPS) {
		y_error(L, steps, "'steps' must be a list of 2 to %d steps", MAX_STEPS);
		return;
	}
	steps_release(rd);
	rd->steps = y_grow(L, steps, NULL, 0, nsteps, sizeof(*rd->steps));
	if (!rd->steps)
		return;
	memset(rd->steps, 0, nsteps * sizeof(*rd->steps));
	for (yaml_node_item_t *it = steps->data.sequence.items.start; it < steps->data.sequence.items.top; it++) {
		yaml_node_t *item = y_node(L, *it);
		struct step_def *st = &rd->steps[rd->nsteps++];
		int k = y_keys(L, item, "step", stkeys, kv);

		if (k < 0)
			continue;
		if ((v = y_get(kv, k, "name")))
			st->name = y_scalar(L, v, "name");
		if ((v = y_get(kv, k, "condition")))
			y_cond(L, &st->cond, v, M_REPLACE);
		else
			y_error(L, item, "step %d has no 'condition'", rd->nsteps);
	}
}

/* ---- rules ---- */
static void rule_key(struct loader *L, struct rdef *rd, const char *key, yaml_node_t *v, enum mode m)
{
	const char *s;
	int p;

	if (!strcmp(key, "condition")) {
		y_cond(L, &rd->cond, v, m);
	} else if (!strcmp(key, "output")) {
		rd->output = y_scalar(L, v, key);
		rd->output_src = y_src(L, v);
	} else if (!strcmp(key, "desc")) {
		rd->desc = y_scalar(L, v, key);
	} else if (!strcmp(key, "priority") && (s = y_scalar(L, v, key))) {
		p = vg_priority_parse(s);
		if (p < 0)
			y_error(L, v, "unknown priority '%s' (expected emergency, alert, critical, error, "
				   "warning, notice, informational or debug)", s);
		rd->prio = p < 0 ? VG_PRIO_DEBUG : p;
	} else if (!strcmp(key, "tags")) {
		y_strings(L, v, "tags", &rd->tags, NULL, &rd->ntags, m);
	} else if (!strcmp(key, "enabled")) {
		y_bool(L, v, key, &rd->enabled);
	} else if (!strcmp(key, "action") && (s = y_scalar(L, v, key))) {
		int a = vg_action_parse(s);

		if (a < 0)
			y_error(L, v, "unknown action '%s' (expected alert, kill or deny)", s);
		rd->action = a < 0 ? VG_ACTION_ALERT : (enum vg_action)a;
		rd->action_src = y_src(L, v);
	} else if (!strcmp(key, "exceptions")) {
		load_exceptions(L, rd, v, m);
	} else if (!strcmp(key, "frequency")) {
		load_frequency(L, rd, v);
	} else if (!strcmp(key, "sequence")) {
		load_sequence(L, rd, v);
	}
}

static void load_rule(struct loader *L, yaml_node_t *map)
{
	static const char *const rkeys[] = { "rule", "desc", "condition", "output", "priority", "tags",
		"enabled", "exceptions", "action", "append", "override", "frequency", "sequence", NULL };
	struct kv kv[MAX_KEYS];
	int n = y_keys(L, map, "rule", rkeys, kv);
	bool append = false, modify;
	struct rdef *rd;
	yaml_node_t *v;
	char *name;
	enum mode m;

	if (n < 0 || !(name = y_scalar(L, y_get(kv, n, "rule"), "rule")))
		return;
	if ((v = y_get(kv, n, "append")) && !y_bool(L, v, "append", &append))
		return;
	HASH_FIND_STR(L->d.rules, name, rd);
	modify = append || y_get(kv, n, "override") || (rd && n == 2 && y_get(kv, n, "enabled"));
	if (modify && !rd) {
		y_error(L, map, "rule '%s': no earlier rule of that name to append to or override", name);
		return;
	}
	if (modify) {
		for (int i = 0; i < n; i++)
			if (strcmp(kv[i].key, "rule") && strcmp(kv[i].key, "append") && strcmp(kv[i].key, "override") &&
			    y_mode(L, kv, n, kv[i].key, append, &m))
				rule_key(L, rd, kv[i].key, kv[i].v, m);
		return;
	}
	if (!rd) {
		rd = arena_alloc(&L->a, sizeof(*rd));
		rd->name = name;
		HASH_ADD_KEYPTR(hh, L->d.rules, rd->name, strlen(rd->name), rd);
		*L->d.order_tail = rd;
		L->d.order_tail = &rd->next;
	} else { /* a redefinition replaces the rule in its place */
		rdef_release(rd);
		memset(&rd->output, 0, offsetof(struct rdef, next) - offsetof(struct rdef, output));
	}
	rd->enabled = true;
	for (int i = 0; i < n; i++)
		rule_key(L, rd, kv[i].key, kv[i].v, M_REPLACE);
	for (const char *const *k = (const char *const[]){ "desc", "output", "priority", NULL }; *k; k++)
		if (!y_get(kv, n, *k))
			y_error(L, map, "rule '%s' has no '%s'", name, *k);
	if (rd->kind == RK_SEQ && rd->cond.text)
		y_error(L, map, "rule '%s': a sequence rule has its conditions in its steps", name);
	if (rd->kind != RK_SEQ && !rd->cond.text)
		y_error(L, map, "rule '%s' has no 'condition'", name);
}

/* ---- files ---- */
static void load_document(struct loader *L, yaml_node_t *root)
{
	if (root->type != YAML_SEQUENCE_NODE) {
		y_error(L, root, "a rules file is a list of rule, macro and list items");
		return;
	}
	for (yaml_node_item_t *it = root->data.sequence.items.start; it < root->data.sequence.items.top; it++) {
		yaml_node_t *item = y_node(L, *it);
		yaml_node_pair_t *p;
		const char *first = NULL;

		if (item->type == YAML_MAPPING_NODE)
			for (p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top && !first; p++) {
				yaml_node_t *k = y_node(L, p->key);
				const char *s = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";

				if (!strcmp(s, "rule") || !strcmp(s, "macro") || !strcmp(s, "list") ||
				    !strcmp(s, "required_engine_version"))
					first = s;
			}
		if (!first)
			y_error(L, item, "expected an item with 'rule', 'macro' or 'list'");
		else if (!strcmp(first, "rule"))
			load_rule(L, item);
		else if (!strcmp(first, "macro") || !strcmp(first, "list"))
			load_def(L, item, first[0] == 'l');
	}
}

/* libyaml composes a whole document, with no bound on its nesting or node count, before
 * vigil sees a node: the event stream is checked first, so that a hostile file costs one
 * scan and not the memory. false when the file is refused; a YAML syntax error is left for
 * the load to report. */
static bool yaml_fits(struct loader *L, const char *name, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0;
	bool ok = true, done = false;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (ok && !done && yaml_parser_parse(&parser, &ev)) {
		done = ev.type == YAML_STREAM_END_EVENT;
		depth += ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT;
		depth -= ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT;
		L->yaml_nodes += ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
				 ev.type == YAML_MAPPING_START_EVENT;
		if (depth > VG_MAX_YAML_DEPTH || L->yaml_nodes > VG_MAX_YAML_NODES) {
			errs_add(L->errs, depth > VG_MAX_YAML_DEPTH ?
				 "%s:%zu:%zu: YAML nested deeper than %d levels (limit VG_MAX_YAML_DEPTH)" :
				 "%s:%zu:%zu: more than %d YAML nodes (limit VG_MAX_YAML_NODES)",
				 name, ev.start_mark.line + 1, ev.start_mark.column + 1,
				 depth > VG_MAX_YAML_DEPTH ? VG_MAX_YAML_DEPTH : VG_MAX_YAML_NODES);
			ok = false;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ok;
}

static void load_text(struct loader *L, const char *name, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;

	if (len > VG_MAX_FILE_BYTES) {
		errs_add(L->errs, "%s:1:1: %zu bytes, more than a rules file may have (limit VG_MAX_FILE_BYTES: "
			 "%u MiB)", name, len, VG_MAX_FILE_BYTES >> 20);
		return;
	}
	if (!yaml_fits(L, name, text, len))
		return;
	if (L->a.total + len > VG_MAX_SOURCE_BYTES) {
		errs_add(L->errs, "%s:1:1: the rules files together pass %u MiB (limit VG_MAX_SOURCE_BYTES)",
			 name, VG_MAX_SOURCE_BYTES >> 20);
		L->over_source = true;
		return;
	}
	L->file = arena_strdup(&L->a, name);
	L->text = arena_strndup(&L->a, text, len);
	L->len = len;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)L->text, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			errs_add(L->errs, "%s:%zu:%zu: YAML error: %s%s%s", name, parser.problem_mark.line + 1,
				 parser.problem_mark.column + 1, parser.problem ? parser.problem : "unknown",
				 parser.context ? " " : "", parser.context ? parser.context : "");
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		L->doc = &doc;
		load_document(L, root);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
}

static void load_file(struct loader *L, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;

	if (!f) {
		errs_add(L->errs, "%s: %s", path, strerror(errno));
		return;
	}
	FILE *mem = open_memstream(&buf, &len);
	char chunk[65536];
	size_t n;

	/* one chunk past the limit is enough for load_text to refuse the file */
	while (len <= VG_MAX_FILE_BYTES && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		fwrite(chunk, 1, n, mem);
		fflush(mem);
	}
	fclose(mem);
	fclose(f);
	load_text(L, path, buf, len);
	free(buf);
}

static int yaml_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && ((n > 5 && !strcmp(e->d_name + n - 5, ".yaml")) ||
				       (n > 4 && !strcmp(e->d_name + n - 4, ".yml")));
}

static void load_path(struct loader *L, const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n;

	if (stat(path, &st) != 0) {
		errs_add(L->errs, "%s: %s", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(L, path);
		return;
	}
	n = scandir(path, &ents, yaml_name, alphasort);
	if (n < 0) {
		errs_add(L->errs, "%s: %s", path, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];

		snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name);
		load_file(L, full);
		free(ents[i]);
	}
	free(ents);
}

static void loader_free(struct loader *L)
{
	struct def *d, *dt;
	struct rdef *r, *rt;

	HASH_ITER(hh, L->d.macros, d, dt) {
		ctext_free(&d->cond);
		HASH_DEL(L->d.macros, d);
	}
	HASH_ITER(hh, L->d.lists, d, dt) {
		free(d->expanded);
		HASH_DEL(L->d.lists, d);
	}
	HASH_ITER(hh, L->d.rules, r, rt) {
		rdef_release(r);
		HASH_DEL(L->d.rules, r);
	}
	arena_free(&L->a);
}

static struct vg_ruleset *load(const char *const *paths, int npaths, const char *name,
			       const char *text, const struct vg_rules_opts *opts,
			       struct vg_rules_errors *errs)
{
	struct loader L = { .errs = errs };
	struct vg_ruleset *rs = NULL;

	*errs = (struct vg_rules_errors){ 0 };
	L.d.order_tail = &L.d.order;
	for (int i = 0; i < npaths; i++)
		load_path(&L, paths[i]);
	if (text)
		load_text(&L, name, text, strlen(text));
	rs = build_ruleset(&L.d, opts, errs); /* also on load errors, to report them all */
	loader_free(&L);
	return rs;
}

struct vg_ruleset *vg_rules_load(const char *const *paths, int npaths,
				 const struct vg_rules_opts *opts, struct vg_rules_errors *errs)
{
	return load(paths, npaths, NULL, NULL, opts, errs);
}

struct vg_ruleset *vg_rules_load_text(const char *name, const char *yaml,
				      const struct vg_rules_opts *opts, struct vg_rules_errors *errs)
{
	return load(NULL, 0, name, yaml, opts, errs);
}


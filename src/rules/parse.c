/* parse.c — condition text to syntax tree: a lexer and a recursive-descent parser.
 *
 *   expr    := and { "or" and }
 *   and     := unary { "and" unary }
 *   unary   := "not" unary | "(" expr ")" | operand [ cmp ] | macro-name
 *   cmp     := ("=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "icontains" |
 *               "startswith" | "endswith" | "glob" | "regex") value
 *            | ("in" | "pmatch") ( "(" value { "," value } ")" | list-name ) | "exists"
 *   operand := field | "val(" field ")" | "$" step "." field
 *   value   := word | "quoted string" | 'quoted string' | operand-but-a-bare-field
 *
 * Names are only looked up later (compile.c); here a bare word is just a word. A chain of
 * one operator becomes one node with every operand as a kid (a and b and c: AND(a, b, c)),
 * so a long chain is wide rather than deep; nesting (parentheses, not) is the only
 * recursion, and it stops at VG_MAX_DEPTH. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/internal.h"

const char *const op_names[] = {
	[OP_EQ] = "=", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">",
	[OP_GE] = ">=", [OP_IN] = "in", [OP_CONTAINS] = "contains",
	[OP_ICONTAINS] = "icontains", [OP_STARTSWITH] = "startswith",
	[OP_ENDSWITH] = "endswith", [OP_GLOB] = "glob", [OP_REGEX] = "regex",
	[OP_PMATCH] = "pmatch", [OP_EXISTS] = "exists",
};

int op_parse(const char *s)
{
	if (strcmp(s, "==") == 0)
		return OP_EQ;
	for (int i = 0; i <= OP_EXISTS; i++)
		if (strcmp(s, op_names[i]) == 0)
			return i;
	return -1;
}

enum tok { T_END, T_LP, T_RP, T_COMMA, T_OP, T_WORD, T_STRING, T_CAPTURE, T_BAD };

struct parser {
	const struct ctext *ct;
	const char *p;         /* text */
	size_t pos;            /* next unread byte */
	enum tok tok;          /* current token */
	size_t tpos;
	char *tval;            /* current token's text (unquoted for strings) */
	struct vg_rules_errors *errs;
	bool failed;
	int depth;             /* open parentheses and nots */
	int nodes;             /* against VG_MAX_COND_COST */
};

static bool word_char(char ch)
{
	return ch && !strchr(" \t\r\n(),=<>!\"'", ch);
}

static void __attribute__((format(printf, 3, 4))) perror_at(struct parser *ps, size_t pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	loc_error(ps->errs, (struct loc){ ps->ct, pos }, "%s", msg);
}

static void next(struct parser *ps)
{
	const char *p = ps->p;
	size_t i = ps->pos, start;

	free(ps->tval);
	ps->tval = NULL;
	while (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
		i++;
	ps->tpos = start = i;
	if (!p[i]) {
		ps->tok = T_END;
	} else if (p[i] == '(' || p[i] == ')' || p[i] == ',') {
		ps->tok = p[i] == '(' ? T_LP : p[i] == ')' ? T_RP : T_COMMA;
		i++;
	} else if (strchr("=<>!", p[i])) {
		ps->tok = T_OP;
		i += (p[i + 1] == '=') ? 2 : 1;
		if (p[start] == '!' && i == start + 1)
			ps->tok = T_BAD;
	} else if (p[i] == '"' || p[i] == '\'') {
		char q = p[i++], *out;
		size_t n = 0, end = i;

		while (p[end] && p[end] != q) /* its length first: the rest of the text may be long */
			end += p[end] == '\\' && (p[end + 1] == q || p[end + 1] == '\\') ? 2 : 1;
		out = xcalloc(1, end - i + 1);
		while (p[i] && p[i] != q) {
			if (p[i] == '\\' && (p[i + 1] == q || p[i + 1] == '\\'))
				i++;
			out[n++] = p[i++];
		}
		ps->tval = out;
		if (!p[i]) {
			ps->tok = T_BAD;
			ps->pos = i;
			perror_at(ps, start, "unterminated string");
			return;
		}
		i++;
		ps->tok = T_STRING;
		ps->pos = i;
		return;
	} else {
		ps->tok = p[i] == '$' ? T_CAPTURE : T_WORD;
		if (p[i] == '$')
			i++;
		while (word_char(p[i]))
			i++;
	}
	ps->pos = i;
	ps->tval = xcalloc(1, i - start + 1);
	memcpy(ps->tval, p + start, i - start);
}

static bool is_word(struct parser *ps, const char *w)
{
	return ps->tok == T_WORD && strcmp(ps->tval, w) == 0;
}

static const char *tok_desc(struct parser *ps)
{
	return ps->tok == T_END ? "end of condition" : ps->tval;
}

static struct syn *mk(enum syn_kind k, struct parser *ps, size_t pos)
{
	struct syn *s = xcalloc(1, sizeof(*s));

	if (++ps->nodes > VG_MAX_COND_COST)
		perror_at(ps, pos, "condition of more than %d terms (limit VG_MAX_COND_COST)", VG_MAX_COND_COST);
	s->kind = k;
	s->loc = (struct loc){ ps->ct, pos };
	return s;
}

static struct synval take(struct parser *ps, enum sv_kind k)
{
	struct synval v = { k, ps->tval, { ps->ct, ps->tpos } };

	ps->tval = NULL;
	next(ps);
	return v;
}

/* field | val(field) | $step.field */
static bool parse_operand(struct parser *ps, struct synval *out)
{
	if (ps->tok == T_CAPTURE) {
		*out = take(ps, SV_CAPTURE);
		return true;
	}
	if (ps->tok == T_WORD && strcmp(ps->tval, "val") == 0 && ps->p[ps->pos] == '(') {
		size_t pos = ps->tpos;

		next(ps);
		next(ps);
		if (ps->tok != T_WORD) {
			perror_at(ps, ps->tpos, "expected a field name inside val(), found '%s'", tok_desc(ps));
			return false;
		}
		*out = take(ps, SV_FIELD);
		out->loc.pos = pos;
		if (ps->tok != T_RP) {
			perror_at(ps, ps->tpos, "expected ')' to close val(, found '%s'", tok_desc(ps));
			free(out->s);
			return false;
		}
		next(ps);
		return true;
	}
	if (ps->tok == T_WORD) {
		*out = take(ps, SV_WORD);
		return true;
	}
	return false;
}

static bool parse_value(struct parser *ps, struct synval *out)
{
	if (ps->tok == T_STRING) {
		*out = take(ps, SV_STRING);
		return true;
	}
	if (parse_operand(ps, out))
		return true;
	perror_at(ps, ps->tpos, "expected a value, found '%s'", tok_desc(ps));
	return false;
}

static void push_val(struct parser *ps, struct syn *s, struct synval v)
{
	if (++ps->nodes > VG_MAX_COND_COST)
		perror_at(ps, v.loc.pos, "condition of more than %d terms (limit VG_MAX_COND_COST)",
			  VG_MAX_COND_COST);
	s->vals = xgrow(s->vals, (size_t)s->nvals, 1, sizeof(*s->vals));
	s->vals[s->nvals++] = v;
}

static void push_kid(struct syn *s, struct syn *kid)
{
	s->kids = xgrow(s->kids, (size_t)s->nkids, 1, sizeof(*s->kids));
	s->kids[s->nkids++] = kid;
}

static struct syn *parse_cmp(struct parser *ps, struct synval lhs)
{
	struct syn *s = mk(SYN_CMP, ps, lhs.loc.pos);
	int op = ps->tok == T_OP || ps->tok == T_WORD ? op_parse(ps->tval) : -1;
	struct synval v;

	s->lhs = lhs;
	s->op = op;
	s->op_loc = (struct loc){ ps->ct, ps->tpos };
	next(ps);
	if (op == OP_EXISTS)
		return s;
	if ((op == OP_IN || op == OP_PMATCH) && ps->tok == T_WORD) {
		s->in_list_name = true;
		push_val(ps, s, take(ps, SV_WORD));
		return s;
	}
	if (op == OP_IN || op == OP_PMATCH) {
		if (ps->tok != T_LP) {
			perror_at(ps, ps->tpos, "expected '(' or a list name after the operator, found '%s'", tok_desc(ps));
			return s;
		}
		next(ps);
		while (ps->tok != T_RP && !ps->failed) {
			if (!parse_value(ps, &v))
				return s;
			push_val(ps, s, v);
			if (ps->tok == T_COMMA)
				next(ps);
			else if (ps->tok != T_RP) {
				perror_at(ps, ps->tpos, "expected ',' or ')' in the list, found '%s'", tok_desc(ps));
				return s;
			}
		}
		next(ps);
		return s;
	}
	if (parse_value(ps, &v))
		push_val(ps, s, v);
	return s;
}

static struct syn *parse_or(struct parser *ps);

/* Entering a parenthesis or a not; false past VG_MAX_DEPTH. */
static bool enter(struct parser *ps, size_t pos)
{
	if (++ps->depth <= VG_MAX_DEPTH)
		return true;
	perror_at(ps, pos, "condition nested deeper than %d levels (limit VG_MAX_DEPTH)", VG_MAX_DEPTH);
	return false;
}

static struct syn *parse_unary(struct parser *ps)
{
	struct synval lhs;
	size_t pos = ps->tpos;

	if (is_word(ps, "not")) {
		struct syn *s;

		if (!enter(ps, pos))
			return NULL;
		s = mk(SYN_NOT, ps, pos);
		next(ps);
		push_kid(s, parse_unary(ps));
		ps->depth--;
		return s;
	}
	if (ps->tok == T_LP) {
		struct syn *s;

		if (!enter(ps, pos))
			return NULL;
		next(ps);
		s = parse_or(ps);
		if (!ps->failed && ps->tok != T_RP)
			perror_at(ps, ps->tpos, "expected ')', found '%s'", tok_desc(ps));
		next(ps);
		ps->depth--;
		return s;
	}
	if (ps->tok == T_WORD && (op_parse(ps->tval) >= 0 || is_word(ps, "and") || is_word(ps, "or"))) {
		perror_at(ps, pos, "expected a condition, found '%s'", tok_desc(ps));
		return NULL;
	}
	if (!parse_operand(ps, &lhs)) {
		perror_at(ps, pos, "expected a condition, found '%s'", tok_desc(ps));
		return NULL;
	}
	if ((ps->tok == T_OP || ps->tok == T_WORD) && op_parse(ps->tval) >= 0)
		return parse_cmp(ps, lhs);
	if (ps->tok == T_BAD) {
		perror_at(ps, ps->tpos, "unknown operator '%s'", ps->tval);
	} else if (lhs.kind == SV_WORD) {
		struct syn *s = mk(SYN_REF, ps, pos);

		s->lhs = lhs;
		return s;
	} else {
		perror_at(ps, ps->tpos, "expected an operator, found '%s'", tok_desc(ps));
	}
	free(lhs.s);
	return NULL;
}

static struct syn *parse_chain(struct parser *ps, const char *kw, enum syn_kind k,
			       struct syn *(*sub)(struct parser *))
{
	struct syn *first = sub(ps), *s;

	if (ps->failed || !is_word(ps, kw))
		return first;
	s = mk(k, ps, ps->tpos);
	push_kid(s, first);
	while (!ps->failed && is_word(ps, kw)) {
		next(ps);
		push_kid(s, sub(ps));
	}
	return s;
}

static struct syn *parse_and(struct parser *ps)
{
	return parse_chain(ps, "and", SYN_AND, parse_unary);
}

static struct syn *parse_or(struct parser *ps)
{
	return parse_chain(ps, "or", SYN_OR, parse_and);
}

struct syn *syn_parse(const struct ctext *ct, struct vg_rules_errors *errs)
{
	struct parser ps = { .ct = ct, .p = ct->text, .errs = errs };
	struct syn *s;

	next(&ps);
	if (ps.tok == T_END) {
		perror_at(&ps, 0, "empty condition");
		free(ps.tval);
		return NULL;
	}
	s = parse_or(&ps);
	if (!ps.failed && ps.tok != T_END)
		perror_at(&ps, ps.tpos, "unexpected '%s' (expected 'and', 'or' or the end)", tok_desc(&ps));
	free(ps.tval);
	if (ps.failed) {
		syn_free(s);
		return NULL;
	}
	return s;
}

void syn_free(struct syn *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nkids; i++)
		syn_free(s->kids[i]);
	free(s->kids);
	free(s->lhs.s);
	for (int i = 0; i < s->nvals; i++)
		free(s->vals[i].s);
	free(s->vals);
	free(s);
}

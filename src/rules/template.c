/* template.c — the output template of a rule, Falco style: "%field" is replaced by the
 * field's value ("<NA>" when absent), "%%" is a percent sign. In sequence rules,
 * "%$step.field" names a value captured by an earlier step. Compiled at load time so a
 * misspelt field fails the load instead of printing nothing at 3 a.m. */
#include <string.h>
#include "rules/internal.h"

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '[' || ch == ']' || ch == '$';
}

static void add_part(struct arena *a, struct tmpl *t, int *cap, struct tmpl_part p)
{
	if (t->n == *cap) {
		struct tmpl_part *grown = arena_alloc(a, (*cap * 2 + 4) * sizeof(*grown));

		if (t->n)
			memcpy(grown, t->parts, t->n * sizeof(*grown));
		t->parts = grown;
		*cap = *cap * 2 + 4;
	}
	t->parts[t->n++] = p;
}

bool tmpl_compile(struct cctx *c, struct tmpl *t, const char *text, const struct src *src)
{
	struct ctext ct = { 0 };
	struct arena *a = &c->rs->arena;
	size_t lit = 0, i = 0;
	int cap = 0;
	bool ok = true;

	memset(t, 0, sizeof(*t));
	if (!text)
		return true;
	ctext_add(&ct, src, text);
	while (text[i]) {
		size_t start = i + 1, end = start;
		struct tmpl_part p = { 0 };
		char *name;

		if (text[i] != '%') {
			i++;
			continue;
		}
		if (i > lit)
			add_part(a, t, &cap, (struct tmpl_part){ .lit = text + lit, .litlen = i - lit });
		if (text[start] == '%') {
			add_part(a, t, &cap, (struct tmpl_part){ .lit = "%", .litlen = 1 });
			i = lit = start + 1;
			continue;
		}
		while (name_char(text[end]))
			end++;
		while (end > start && text[end - 1] == '.') /* "... by %user.name." */
			end--;
		name = arena_strndup(a, text + start, end - start);
		p.is_field = true;
		if (end == start) {
			loc_error(c->errs, (struct loc){ &ct, i }, "'%%' must be followed by a field name or '%%'");
			ok = false;
		} else if (!operand_from_name(c, name, (struct loc){ &ct, start }, &p.opd)) {
			ok = false;
		}
		add_part(a, t, &cap, p);
		i = lit = end;
	}
	if (i > lit)
		add_part(a, t, &cap, (struct tmpl_part){ .lit = text + lit, .litlen = i - lit });
	/* literals point into the loader's text: copy them into the arena */
	for (int k = 0; k < t->n; k++)
		if (!t->parts[k].is_field)
			t->parts[k].lit = arena_strndup(a, t->parts[k].lit, t->parts[k].litlen);
	ctext_free(&ct);
	return ok;
}

void tmpl_render(struct ectx *c, const struct tmpl *t, struct vg_buf *out)
{
	struct vg_value v;

	vg_buf_reset(out);
	vg_buf_put(out, "", 0);
	for (int i = 0; i < t->n; i++) {
		const struct tmpl_part *p = &t->parts[i];

		if (!p->is_field)
			vg_buf_put(out, p->lit, p->litlen);
		else if (operand_get(c, &p->opd, 0, &v))
			value_render(out, &v);
		else
			vg_buf_puts(out, "<NA>");
	}
}

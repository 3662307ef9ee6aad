/* diag.c — load errors as "file:line:col: message". Condition text may be assembled
 * from appended pieces and YAML may fold or quote a scalar, so a byte offset into the
 * parsed value is mapped back to the file by matching its characters against the raw
 * text of the node: whitespace is what folding changes, so it is skipped. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "rules/internal.h"

/* Past VG_MAX_ERRORS messages, one more says so and the rest are dropped: a hostile file
 * can have a million errors, and nobody reads past the first screen. */
static void errs_vadd(struct vg_rules_errors *e, const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];
	char *line;
	size_t plen = strlen(prefix);

	if (e->n > VG_MAX_ERRORS)
		return;
	if (e->n == VG_MAX_ERRORS)
		snprintf(msg, sizeof(msg), "more errors; only the first %d are shown (limit VG_MAX_ERRORS)",
			 VG_MAX_ERRORS);
	else
		vsnprintf(msg, sizeof(msg), fmt, ap);
	line = xcalloc(1, plen + strlen(msg) + 1);
	memcpy(line, prefix, plen);
	strcpy(line + plen, msg);
	char **grown = realloc(e->msg, (e->n + 1) * sizeof(*e->msg));
	if (!grown)
		abort();
	e->msg = grown;
	e->msg[e->n++] = line;
}

void errs_add(struct vg_rules_errors *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vadd(e, "", fmt, ap);
	va_end(ap);
}

void vg_rules_errors_free(struct vg_rules_errors *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}

/* Byte index in the file of value[off]. */
static size_t raw_index(const struct src *s, const char *value, size_t off)
{
	const char *t = s->text;
	size_t n = s->textlen, i = s->index, last;

	if (!value)
		return i;
	if (s->style == YAML_LITERAL_SCALAR_STYLE || s->style == YAML_FOLDED_SCALAR_STYLE) {
		while (i < n && t[i] != '\n')
			i++;
	} else if (s->style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		   s->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		i++;
	}
	last = i;
	for (size_t j = 0; value && value[j]; j++) {
		size_t k = i;

		if (isspace((unsigned char)value[j]))
			continue;
		while (k < n && t[k] != value[j])
			k++;
		if (k >= n)
			break; /* an escape sequence: stop at the last sure position */
		if (j >= off)
			return k;
		i = last = k + 1;
	}
	return last;
}

static void src_verror(struct vg_rules_errors *e, const struct src *s, const char *value,
		       size_t off, const char *fmt, va_list ap)
{
	char prefix[512];
	int line = s->line, col = s->col;

	if (s->text) {
		size_t end = raw_index(s, value, off);

		for (size_t i = s->index; i < end && i < s->textlen; i++) {
			if (s->text[i] == '\n') {
				line++;
				col = 0;
			} else {
				col++;
			}
		}
	}
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", s->file, line + 1, col + 1);
	errs_vadd(e, prefix, fmt, ap);
}

void src_error(struct vg_rules_errors *e, const struct src *s, const char *value, size_t off,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	src_verror(e, s, value, off, fmt, ap);
	va_end(ap);
}

void loc_error(struct vg_rules_errors *e, struct loc l, const char *fmt, ...)
{
	const struct frag *f = &l.ct->frags[0];
	va_list ap;

	for (int i = 1; i < l.ct->nfrag; i++)
		if (l.ct->frags[i].off <= l.pos)
			f = &l.ct->frags[i];
	va_start(ap, fmt);
	src_verror(e, f->src, f->value, l.pos > f->off ? l.pos - f->off : 0, fmt, ap);
	va_end(ap);
}

/* Appends grow text and frags geometrically, and the length is kept: thousands of appended
 * pieces cost linear time. */
void ctext_add(struct ctext *ct, const struct src *src, const char *value)
{
	size_t old = ct->len, len = strlen(value), have = ct->text ? old + 1 : 0;
	size_t sep = old ? 1 : 0;
	char *text = xgrow(ct->text, have, old + sep + len + 1 - have, 1);
	struct frag *frags = xgrow(ct->frags, (size_t)ct->nfrag, 1, sizeof(*frags));

	if (sep)
		text[old] = ' ';
	memcpy(text + old + sep, value, len + 1);
	frags[ct->nfrag++] = (struct frag){ src, value, old + sep, len };
	ct->text = text;
	ct->len = old + sep + len;
	ct->frags = frags;
}

void ctext_free(struct ctext *ct)
{
	free(ct->text);
	free(ct->frags);
	memset(ct, 0, sizeof(*ct));
}

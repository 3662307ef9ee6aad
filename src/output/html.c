/* html.c — escaping for HTML and SVG text (html.h). */
#include <string.h>
#include "output/html.h"
#include "output/text.h"

/* Bytes that are already text (vg_text_str's output) with the markup characters as
 * entities. */
static void entities(struct vg_buf *b, const char *p, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		const char *e = NULL;

		switch (p[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		vg_buf_put(b, p + run, i - run);
		vg_buf_puts(b, e);
		run = i + 1;
	}
	vg_buf_put(b, p + run, len - run);
}

void vg_html_str(struct vg_buf *b, const char *s, size_t len)
{
	struct vg_buf t = { 0 };

	vg_text_str(&t, s, len, false);
	entities(b, t.p ? t.p : "", t.len);
	vg_buf_free(&t);
}

void vg_html_cstr(struct vg_buf *b, const char *s)
{
	if (s)
		vg_html_str(b, s, strlen(s));
}

void vg_html_json(struct vg_buf *b, const char *json, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		const unsigned char *u = (const unsigned char *)json + i;
		const char *e = NULL;
		size_t n = 1;

		if (*u == '<')
			e = "\\u003c";
		else if (*u == '>')
			e = "\\u003e";
		else if (*u == '&')
			e = "\\u0026";
		else if (*u == 0xe2 && i + 2 < len && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9))
			e = u[2] == 0xa8 ? "\\u2028" : "\\u2029", n = 3;
		if (!e)
			continue;
		vg_buf_put(b, json + run, i - run);
		vg_buf_puts(b, e);
		i += n - 1;
		run = i + 1;
	}
	vg_buf_put(b, json + run, len - run);
}

static void newline(struct vg_buf *b, int depth)
{
	vg_buf_putc(b, '\n');
	for (int i = 0; i < depth; i++)
		vg_buf_puts(b, "  ");
}

void vg_html_json_pretty(struct vg_buf *b, const char *json, size_t len)
{
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = json[i];

		if (c == '"') { /* a string, escapes and all, as it is */
			size_t j = i + 1;

			while (j < len && json[j] != '"')
				j += json[j] == '\\' ? 2 : 1;
			if (j >= len)
				j = len - 1;
			entities(b, json + i, j - i + 1);
			i = j;
		} else if (c == '{' || c == '[') {
			char close = c == '{' ? '}' : ']';

			vg_buf_putc(b, c);
			if (i + 1 < len && json[i + 1] == close) {
				vg_buf_putc(b, close);
				i++;
				continue;
			}
			newline(b, ++depth);
		} else if (c == '}' || c == ']') {
			newline(b, depth > 0 ? --depth : 0);
			vg_buf_putc(b, c);
		} else if (c == ',') {
			vg_buf_putc(b, c);
			newline(b, depth);
		} else if (c == ':') {
			vg_buf_puts(b, ": ");
		} else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
			entities(b, &c, 1);
		}
	}
}

/* buf.c — growable byte buffer. Allocation failure is fatal: vigil cannot report without
 * memory, and limping on would lose events silently. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/buf.h"

static void grow(struct vg_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 1024;

	while (cap < b->len + need + 1)
		cap *= 2;
	if (cap == b->cap)
		return;
	b->p = realloc(b->p, cap);
	if (!b->p) {
		fputs("vigil: out of memory\n", stderr);
		abort();
	}
	b->cap = cap;
}

void vg_buf_put(struct vg_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		grow(b, n);
	if (n) /* p may be NULL when there is nothing to copy */
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void vg_buf_puts(struct vg_buf *b, const char *s)
{
	vg_buf_put(b, s, strlen(s));
}

void vg_buf_putc(struct vg_buf *b, char c)
{
	vg_buf_put(b, &c, 1);
}

void vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->cap > b->len ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void vg_buf_reset(struct vg_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
}

void vg_buf_free(struct vg_buf *b)
{
	free(b->p);
	*b = (struct vg_buf){ 0 };
}

/* buf.c — growable byte buffer. Allocation failure is fatal: vigil cannot report without
 * memory, and limping on would lose events silently. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/buf.h"

void vg_buf_grow(struct vg_buf *b, size_t need)
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

void vg_buf_u64(struct vg_buf *b, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				    "8081828384858687888990919293949596979899";
	char digits[20], *end = digits + sizeof(digits), *p = end;

	while (v >= 100) { /* two digits per division */
		p -= 2;
		memcpy(p, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	vg_buf_put(b, p, (size_t)(end - p));
}

void vg_buf_i64(struct vg_buf *b, int64_t v)
{
	if (v < 0) {
		vg_buf_putc(b, '-');
		vg_buf_u64(b, -(uint64_t)v);
	} else {
		vg_buf_u64(b, (uint64_t)v);
	}
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
		vg_buf_grow(b, (size_t)n);
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

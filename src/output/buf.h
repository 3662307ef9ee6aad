/* buf.h — a growable byte buffer, the one every writer appends to. It is always
 * NUL-terminated after its len bytes. Appends are inline: the writers on the per-event path
 * make dozens per event, and only growing leaves the caller. */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct vg_buf {
	char *p;
	size_t len, cap;
};

/* Room for n more bytes and the NUL (allocation failure is fatal). */
void vg_buf_grow(struct vg_buf *b, size_t n);

static inline void vg_buf_put(struct vg_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		vg_buf_grow(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

static inline void vg_buf_puts(struct vg_buf *b, const char *s)
{
	vg_buf_put(b, s, strlen(s));
}

static inline void vg_buf_putc(struct vg_buf *b, char c)
{
	if (b->len + 2 > b->cap)
		vg_buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

/* A string literal, its length known at compile time. */
#define VG_BUF_LIT(b, lit) vg_buf_put((b), "" lit, sizeof(lit) - 1)

/* Decimal, as printf's %llu and %lld would write them. */
void vg_buf_u64(struct vg_buf *b, uint64_t v);
void vg_buf_i64(struct vg_buf *b, int64_t v);
void vg_buf_printf(struct vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vg_buf_reset(struct vg_buf *b);
void vg_buf_free(struct vg_buf *b);

#endif

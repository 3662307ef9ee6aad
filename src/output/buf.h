/* buf.h — a growable byte buffer, the one every writer appends to. */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stddef.h>

struct vg_buf {
	char *p;
	size_t len, cap;
};

void vg_buf_put(struct vg_buf *b, const void *p, size_t n);
void vg_buf_puts(struct vg_buf *b, const char *s);
void vg_buf_putc(struct vg_buf *b, char c);
void vg_buf_printf(struct vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vg_buf_reset(struct vg_buf *b);
void vg_buf_free(struct vg_buf *b);

#endif

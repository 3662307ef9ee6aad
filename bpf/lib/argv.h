/* lib/argv.h — a process's arguments into a record, NUL-separated, bounded by VG_ARGV_MAX
 * (VG_F_ARGV_TRUNC when cut): from the new image's stack after a successful exec, or from
 * the caller's argv array after a failed one (its memory is intact: the old image stays). */
#ifndef VIGIL_LIB_ARGV_H
#define VIGIL_LIB_ARGV_H

#include "lib/record.h"

/* The arguments of the image mm runs (mm->arg_start..arg_end). */
static __always_inline void vg_put_mm_argv(struct vg_hdr *h, struct vg_str *s, struct mm_struct *mm)
{
	unsigned long arg_start = mm->arg_start, arg_end = mm->arg_end;
	__u32 len = arg_end - arg_start;

	if (len > VG_ARGV_MAX) {
		len = VG_ARGV_MAX;
		h->flags |= VG_F_ARGV_TRUNC;
	}
	vg_put_user_bytes(h, s, (void *)arg_start, len);
}

struct vg_argv_walk {
	struct vg_hdr *h;
	const char *const *argv;
	__u32 start;
};

static long vg_argv_step(__u64 i, void *arg)
{
	struct vg_argv_walk *w = arg;
	const char *p = NULL;
	struct vg_str part;

	if (bpf_probe_read_user(&p, sizeof(p), &w->argv[i]) < 0 || !p)
		return 1;
	if (w->h->size - w->start >= VG_ARGV_MAX) {
		w->h->flags |= VG_F_ARGV_TRUNC;
		return 1;
	}
	if (vg_put_user_str(w->h, &part, p, 1024) < 0 || !vg_put_byte(w->h, 0))
		return 1;
	return 0;
}

/* The strings of a user argv array (NULL-terminated), one element per bpf_loop step. */
static __always_inline void vg_put_user_argv(struct vg_hdr *h, struct vg_str *s, const char *const *argv)
{
	struct vg_argv_walk w = { .h = h, .argv = argv, .start = h->size };

	bpf_loop(256, vg_argv_step, &w, 0);
	s->off = w.start;
	s->len = h->size - w.start;
}

#endif

/* lib/record.h — appending to a record being built: a struct vg_hdr, its fixed body, then
 * variable bytes the body points at with struct vg_str (vigil_event.h). Every append is
 * bounded by VG_MAX_RECORD; the scratch buffer a record is built in is twice that, which
 * keeps the verifier's bounds simple. Needs no map, so any BPF object can build records. */
#ifndef VIGIL_LIB_RECORD_H
#define VIGIL_LIB_RECORD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vigil_event.h"

static __always_inline void *vg_body(struct vg_hdr *h)
{
	return (void *)(h + 1);
}

/* Space left for variable data, 0 when the record is full. */
static __always_inline __u32 vg_room(struct vg_hdr *h)
{
	return h->size < VG_MAX_RECORD ? VG_MAX_RECORD - h->size : 0;
}

/* Appends up to len bytes of user memory (bounded by the room left); returns bytes
 * written or <0. */
static __always_inline int vg_put_user_bytes(struct vg_hdr *h, struct vg_str *s, const void *uptr,
					     __u32 len)
{
	__u32 pos = h->size;

	if (len > vg_room(h))
		len = vg_room(h);
	if (len == 0 || pos > VG_MAX_RECORD - 1)
		return -1;
	/* the mask must survive the optimiser for the verifier to see the bound */
	asm volatile("" : "+r"(len));
	len &= VG_MAX_RECORD - 1;
	if (bpf_probe_read_user((__u8 *)h + pos, len, uptr) < 0)
		return -1;
	s->off = pos;
	s->len = len;
	h->size = pos + len;
	return len;
}

static __always_inline int vg_put_str(struct vg_hdr *h, struct vg_str *s, const void *ptr, __u32 max,
				      bool user)
{
	__u64 pos = h->size;
	long n;

	/* one opaque 64-bit register, so the bounds check and the use see the same one */
	asm volatile("" : "+r"(pos));

	if (max > vg_room(h))
		max = vg_room(h);
	if (max > VG_MAX_RECORD - 1 || pos > VG_MAX_RECORD - 1 || max == 0)
		return -1;
	n = user ? bpf_probe_read_user_str((__u8 *)h + pos, max, ptr)
		 : bpf_probe_read_kernel_str((__u8 *)h + pos, max, ptr);
	if (n <= 0)
		return -1;
	s->off = pos;
	s->len = n - 1; /* drop the NUL */
	h->size = pos + n - 1;
	return n - 1;
}

static __always_inline int vg_put_user_str(struct vg_hdr *h, struct vg_str *s, const void *uptr,
					   __u32 max)
{
	return vg_put_str(h, s, uptr, max, true);
}

static __always_inline int vg_put_kernel_str(struct vg_hdr *h, struct vg_str *s, const void *kptr,
					     __u32 max)
{
	return vg_put_str(h, s, kptr, max, false);
}

/* Appends one byte (a separator); false when the record is full. */
static __always_inline bool vg_put_byte(struct vg_hdr *h, __u8 c)
{
	if (h->size >= VG_MAX_RECORD)
		return false;
	((__u8 *)h)[h->size & (VG_SCRATCH_SIZE - 1)] = c;
	h->size++;
	return true;
}

#endif

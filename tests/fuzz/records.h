/* records.h — ring records built by hand for the fuzz harnesses and the seed generator: a
 * header, a body, then the bytes the body's vg_str fields point at. */
#ifndef VIGIL_FUZZ_RECORDS_H
#define VIGIL_FUZZ_RECORDS_H

#include <stdlib.h>
#include <string.h>
#include "vigil_event.h"

/* Far above any pid_max (4194304): the process table never finds them in /proc. */
#define FUZZ_PID_BASE 0x40000000u

struct fuzz_record {
	union {
		struct vg_hdr h;
		unsigned char bytes[VG_MAX_RECORD];
	};
};

/* A record of type with body bytes of body (zeroed), pid and ppid set; returns the body. */
static inline void *record_begin(struct fuzz_record *r, unsigned type, size_t body, unsigned pid, unsigned ppid)
{
	memset(r, 0, sizeof(r->h) + body);
	r->h.type = (unsigned short)type;
	r->h.pid = r->h.tid = pid;
	r->h.ppid = ppid;
	r->h.size = (unsigned)(sizeof(r->h) + body);
	return &r->h + 1;
}

/* Appends len bytes (cut to the room left) and points s at them. */
static inline void record_str(struct fuzz_record *r, struct vg_str *s, const void *p, size_t len)
{
	size_t room = sizeof(*r) - r->h.size;

	if (len > room)
		len = room;
	memcpy(r->bytes + r->h.size, p, len);
	s->off = (unsigned short)r->h.size;
	s->len = (unsigned short)len;
	r->h.size += (unsigned)len;
}

/* Fuzz bytes as a ring record on the heap, exactly size bytes (so ASan sees a read past
 * it), with two fix-ups that keep the search useful and runs reproducible: the type is
 * reduced to the catalogue (plus one past it), pids are moved above pid_max so nothing is
 * read from /proc. The size field stays as sent when bit 15 of the flags is set (no vigil
 * flag uses it), else it is made honest. NULL when size is beyond any record. */
static inline unsigned char *record_from_fuzz(const uint8_t *data, size_t size)
{
	unsigned char *rec;
	struct vg_hdr *h;

	if (size > VG_MAX_RECORD * 4 || !(rec = malloc(size ? size : 1)))
		return NULL;
	memcpy(rec, data, size);
	h = (struct vg_hdr *)rec;
	if (size >= sizeof(*h)) {
		h->type %= VG_EV__COUNT + 1;
		h->pid = FUZZ_PID_BASE + h->pid % 512;
		h->ppid = FUZZ_PID_BASE + h->ppid % 512;
		if (!(h->flags & 0x8000))
			h->size = (uint32_t)size;
	}
	return rec;
}

#endif

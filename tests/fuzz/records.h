/* records.h — ring records built by hand for the fuzz harnesses and the seed generator: a
 * header, a body, then the bytes the body's vg_str fields point at. */
#ifndef VIGIL_FUZZ_RECORDS_H
#define VIGIL_FUZZ_RECORDS_H

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

#endif

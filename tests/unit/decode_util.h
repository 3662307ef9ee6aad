/* decode_util.h — what the decoder unit tests share: building a synthetic record (a
 * struct vg_hdr followed by a body and variable data, in any struct that starts with the
 * header), decoding it, and reading the decoded fields by name. */
#ifndef VIGIL_TEST_DECODE_UTIL_H
#define VIGIL_TEST_DECODE_UTIL_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "decode/decode.h"

#define TEST_PID 9100003 /* far above pid_max, so /proc never answers for it */

static char ev_arena[VG_EVENT_ARENA];
static struct vg_event ev = { .arena = ev_arena, .arena_cap = sizeof(ev_arena) };
static struct vg_proctable *pt;

/* rec is a struct starting with struct vg_hdr; size is the whole struct's. */
__attribute__((unused)) static void record_header(void *rec, size_t size, unsigned type, size_t body, int ret)
{
	struct vg_hdr *h = rec;

	memset(rec, 0, size);
	h->type = (unsigned short)type;
	h->pid = h->tid = TEST_PID;
	h->ppid = 1;
	h->ret = ret;
	h->size = (unsigned)(sizeof(*h) + body);
}
#define header(r, type, body, ret) record_header((r), sizeof(*(r)), (type), (body), (ret))

/* Appends len bytes and points s at them. */
__attribute__((unused)) static void put(void *rec, struct vg_str *s, const void *p, size_t len)
{
	struct vg_hdr *h = rec;

	memcpy((char *)rec + h->size, p, len);
	s->off = (unsigned short)h->size;
	s->len = (unsigned short)len;
	h->size += (unsigned)len;
}
#define puts_(r, s, str) put((r), (s), (str), strlen(str))

__attribute__((unused)) static void decode(void *rec)
{
	assert_int_equal(vg_decode(pt, rec, ((struct vg_hdr *)rec)->size, &ev), 0);
}

__attribute__((unused)) static const struct vg_value *get(const char *name)
{
	const struct vg_field *f = vg_field_find(name);

	assert_non_null(f);
	return vg_event_get(&ev, f);
}

/* A string field, NULL when absent. */
__attribute__((unused)) static const char *str(const char *name)
{
	const struct vg_value *v = get(name);
	static char buf[4096];

	if (!v)
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)v->str.len, v->str.ptr);
	return buf;
}

__attribute__((unused)) static int64_t num(const char *name)
{
	const struct vg_value *v = get(name);

	assert_non_null(v);
	return v->type == VG_V_BOOL ? v->b : v->i;
}

__attribute__((unused)) static const char *ip(const char *name)
{
	const struct vg_value *v = get(name);
	static char buf[INET6_ADDRSTRLEN];

	assert_non_null(v);
	assert_int_equal(v->type, VG_V_IP);
	return inet_ntop(v->ip.family == 6 ? AF_INET6 : AF_INET, v->ip.addr, buf, sizeof(buf));
}

#endif

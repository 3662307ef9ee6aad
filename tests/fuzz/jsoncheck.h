/* jsoncheck.h — the fuzz oracle for vigil's JSON writer: a strict RFC 8259 reader (syntax,
 * escapes, UTF-8, no raw control characters) that also decodes string literals, so that a
 * harness can check both that a line is valid JSON and that a string round-trips. */
#ifndef VIGIL_FUZZ_JSONCHECK_H
#define VIGIL_FUZZ_JSONCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct jreader {
	const unsigned char *p, *end;
	unsigned char *out; /* decoded string bytes, when not NULL */
	size_t outlen, outcap;
	int depth;
};

static inline void j_ws(struct jreader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static inline void j_put(struct jreader *r, unsigned char c)
{
	if (r->out && r->outlen < r->outcap)
		r->out[r->outlen] = c;
	r->outlen++;
}

static inline int j_hex(unsigned char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One valid UTF-8 sequence at r->p, copied out; false when it is not one. */
static inline bool j_utf8(struct jreader *r)
{
	const unsigned char *p = r->p;
	unsigned c = p[0], n, cp;

	if (c < 0x80)
		n = 1, cp = c;
	else if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return false;
	if ((size_t)(r->end - p) < n)
		return false;
	for (unsigned i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return false;
	for (unsigned i = 0; i < n; i++)
		j_put(r, p[i]);
	r->p += n;
	return true;
}

/* A \uXXXX code unit at r->p (past the backslash and u). */
static inline int j_u16(struct jreader *r)
{
	int v = 0;

	if (r->end - r->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = j_hex(r->p[i]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	r->p += 4;
	return v;
}

static inline void j_put_cp(struct jreader *r, unsigned cp)
{
	if (cp < 0x80) {
		j_put(r, (unsigned char)cp);
	} else if (cp < 0x800) {
		j_put(r, (unsigned char)(0xc0 | cp >> 6));
		j_put(r, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		j_put(r, (unsigned char)(0xe0 | cp >> 12));
		j_put(r, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
		j_put(r, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		j_put(r, (unsigned char)(0xf0 | cp >> 18));
		j_put(r, (unsigned char)(0x80 | (cp >> 12 & 0x3f)));
		j_put(r, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
		j_put(r, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}

static inline bool j_string(struct jreader *r)
{
	if (r->p >= r->end || *r->p != '"')
		return false;
	r->p++;
	while (r->p < r->end && *r->p != '"') {
		if (*r->p < 0x20)
			return false;
		if (*r->p != '\\') {
			if (!j_utf8(r))
				return false;
			continue;
		}
		if (++r->p >= r->end)
			return false;
		switch (*r->p++) {
		case '"': j_put(r, '"'); break;
		case '\\': j_put(r, '\\'); break;
		case '/': j_put(r, '/'); break;
		case 'b': j_put(r, '\b'); break;
		case 'f': j_put(r, '\f'); break;
		case 'n': j_put(r, '\n'); break;
		case 'r': j_put(r, '\r'); break;
		case 't': j_put(r, '\t'); break;
		case 'u': {
			int u = j_u16(r), lo;

			if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false;
			if (u >= 0xd800 && u <= 0xdbff) { /* a surrogate pair, or invalid */
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return false;
				r->p += 2;
				lo = j_u16(r);
				if (lo < 0xdc00 || lo > 0xdfff)
					return false;
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			j_put_cp(r, (unsigned)u);
			break;
		}
		default:
			return false;
		}
	}
	if (r->p >= r->end)
		return false;
	r->p++;
	return true;
}

static inline bool j_number(struct jreader *r)
{
	const unsigned char *s = r->p;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end)
		return false;
	if (*r->p == '0') {
		r->p++;
	} else if (*r->p >= '1' && *r->p <= '9') {
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	} else {
		return false;
	}
	if (r->p < r->end && *r->p == '.') {
		if (++r->p >= r->end || *r->p < '0' || *r->p > '9')
			return false;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return false;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	return r->p > s;
}

static inline bool j_word(struct jreader *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

static inline bool j_value(struct jreader *r)
{
	bool first = true;

	j_ws(r);
	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '"':
		return j_string(r);
	case 't':
		return j_word(r, "true");
	case 'f':
		return j_word(r, "false");
	case 'n':
		return j_word(r, "null");
	case '[':
	case '{': {
		unsigned char close = *r->p == '[' ? ']' : '}';
		bool obj = close == '}';

		if (++r->depth > 64)
			return false;
		r->p++;
		j_ws(r);
		while (r->p < r->end && *r->p != close) {
			if (!first) {
				if (*r->p++ != ',')
					return false;
				j_ws(r);
			}
			if (obj) {
				if (!j_string(r))
					return false;
				j_ws(r);
				if (r->p >= r->end || *r->p++ != ':')
					return false;
			}
			if (!j_value(r))
				return false;
			j_ws(r);
			first = false;
		}
		if (r->p >= r->end)
			return false;
		r->p++;
		r->depth--;
		return true;
	}
	default:
		return j_number(r);
	}
}

/* s[0..n) is exactly one JSON value (whitespace around it allowed). */
static inline bool json_valid(const char *s, size_t n)
{
	struct jreader r = { (const unsigned char *)s, (const unsigned char *)s + n, NULL, 0, 0, 0 };

	if (!j_value(&r))
		return false;
	j_ws(&r);
	return r.p == r.end;
}

/* The bytes the JSON string literal s[0..n) decodes to, into out (cap bytes); the decoded
 * length, or -1 when s is not exactly one string literal. */
static inline long json_string_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	struct jreader r = { (const unsigned char *)s, (const unsigned char *)s + n, out, 0, cap, 0 };

	if (!j_string(&r) || r.p != r.end)
		return -1;
	return (long)r.outlen;
}

#endif

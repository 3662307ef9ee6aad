/* record.c — the top-level members of a shipped record (record.h). A small scanner, not a
 * JSON library: it walks the object once, skips nested values without looking into them,
 * and unescapes only the string members it keeps. */
#define _GNU_SOURCE /* strptime, timegm */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fleet/record.h"

struct scan {
	const char *p, *end;
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Past a string starting at its opening quote. */
static bool skip_string(struct scan *s)
{
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\') {
			s->p++;
		} else if (*s->p == '"') {
			s->p++;
			return true;
		}
	}
	return false;
}

static bool skip_value(struct scan *s)
{
	int depth = 0;

	do {
		if (s->p >= s->end)
			return false;
		switch (*s->p) {
		case '"':
			if (!skip_string(s))
				return false;
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth < 0)
				return false;
			break;
		default:
			if (!depth) { /* a number, true, false or null */
				while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
					s->p++;
				return true;
			}
		}
		s->p++;
	} while (depth);
	return true;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The string value [p, end) (quotes included) unescaped into st; NULL when it does not fit. */
static const char *unescape(struct vg_fleet_strings *st, const char *p, const char *end)
{
	char *out = st->buf + st->used, *o = out, *lim = st->buf + sizeof(st->buf) - 5;

	for (p++, end--; p < end && o < lim; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		if (++p >= end)
			return NULL;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			unsigned cp = 0;

			if (end - p < 5)
				return NULL;
			for (int i = 1; i <= 4; i++) {
				int h = hexval(p[i]);

				if (h < 0)
					return NULL;
				cp = cp << 4 | (unsigned)h;
			}
			p += 4;
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | cp >> 6);
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else { /* a lone surrogate stays a 3-byte sequence: these names never hold one */
				*o++ = (char)(0xe0 | cp >> 12);
				*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default: *o++ = *p; /* \" \\ \/ */
		}
	}
	if (p < end)
		return NULL;
	*o++ = 0;
	st->used += (size_t)(o - out);
	return out;
}

bool vg_fleet_parse_time(const char *s, uint64_t *ns)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	uint64_t frac = 0, scale = 1000000000ull;
	time_t secs;

	if (!p)
		return false;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
	if (strcmp(p, "Z"))
		return false;
	secs = timegm(&tm);
	if (secs < 0)
		return false;
	*ns = (uint64_t)secs * 1000000000ull + frac;
	return true;
}

bool vg_fleet_parse(struct vg_fleet_record *r, struct vg_fleet_strings *st, const char *subject,
		    const char *json, size_t len, const char **why)
{
	static const char *const keys[] = { "record_id", "kind", "ts", "host", "event", "rule", "priority" };
	const char *vals[7] = { 0 };
	struct scan s = { json, json + len };
	const char *c1, *c2;
	char *end;

	st->used = 0;
	*why = "not a JSON object";
	ws(&s);
	if (s.p >= s.end || *s.p++ != '{')
		return false;
	for (;;) {
		const char *k, *v;
		size_t klen;

		ws(&s);
		if (s.p < s.end && *s.p == '}')
			break;
		k = s.p;
		if (s.p >= s.end || *s.p != '"' || !skip_string(&s))
			return false;
		klen = (size_t)(s.p - k - 2);
		ws(&s);
		if (s.p >= s.end || *s.p++ != ':')
			return false;
		ws(&s);
		v = s.p;
		if (!skip_value(&s))
			return false;
		for (int i = 0; i < 7; i++)
			if (!vals[i] && strlen(keys[i]) == klen && !memcmp(k + 1, keys[i], klen) && *v == '"' &&
			    !(vals[i] = unescape(st, v, s.p)))
				return false;
		ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}')
			break;
		return false;
	}
	*why = "no record_id host_id:boot_id:seq";
	if (!vals[0] || !(c2 = strrchr(vals[0], ':')) || c2 == vals[0])
		return false;
	for (c1 = c2 - 1; c1 > vals[0] && *c1 != ':'; c1--)
		;
	if (*c1 != ':' || c1 == vals[0])
		return false;
	*r = (struct vg_fleet_record){ .subject = subject, .record_id = vals[0], .json = json, .len = len };
	r->seq = strtoull(c2 + 1, &end, 10);
	if (*end || !c2[1])
		return false;
	/* host_id and boot_id as copies, so that the id keeps its colons */
	{
		size_t hl = (size_t)(c1 - vals[0]), bl = (size_t)(c2 - c1 - 1);

		if (st->used + hl + bl + 2 > sizeof(st->buf))
			return false;
		r->host_id = memcpy(st->buf + st->used, vals[0], hl);
		st->buf[st->used + hl] = 0;
		st->used += hl + 1;
		r->boot_id = memcpy(st->buf + st->used, c1 + 1, bl);
		st->buf[st->used + bl] = 0;
		st->used += bl + 1;
	}
	*why = "no kind";
	if (!vals[1] || (strcmp(vals[1], "event") && strcmp(vals[1], "alert") && strcmp(vals[1], "stats")))
		return false;
	r->kind = vals[1];
	*why = "no valid ts";
	if (!vals[2] || !vg_fleet_parse_time(vals[2], &r->ts_ns))
		return false;
	memcpy(r->day, vals[2], 10);
	r->day[10] = 0;
	r->host = vals[3];
	if (!r->host) { /* alerts and stats carry it in their subject: PREFIX.HOST.KIND */
		const char *dot = subject ? strchr(subject, '.') : NULL, *next = dot ? strchr(dot + 1, '.') : NULL;
		size_t hl = next ? (size_t)(next - dot - 1) : 0;

		if (hl && st->used + hl + 1 <= sizeof(st->buf)) {
			r->host = memcpy(st->buf + st->used, dot + 1, hl);
			st->buf[st->used + hl] = 0;
			st->used += hl + 1;
		} else {
			r->host = "";
		}
	}
	r->event = vals[4] ? vals[4] : "";
	r->rule = vals[5] ? vals[5] : "";
	r->priority = vals[6] ? vals[6] : "";
	*why = NULL;
	return true;
}

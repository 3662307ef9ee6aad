/* units.c — the times, sizes and durations the store's options and queries take. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store/store.h"
#include "units.h"

#define SEC 1000000000ull

int vg_store_spec_parse(char *spec, bool with_queue, struct vg_store_spec *out, char *err, size_t errlen)
{
	char *save = NULL, *opt;

	*out = (struct vg_store_spec){ .max_bytes = 1ull << 30, .max_age_ns = 7 * 86400 * SEC,
				       .window_ns = VG_INCIDENT_WINDOW_NS, .queue_bytes = 64ull << 20 };
	out->path = strtok_r(spec, ",", &save);
	if (!out->path || !*out->path) {
		snprintf(err, errlen, "the store needs a path: PATH[,max-bytes=SIZE][,max-age=DURATION][,window=DURATION]");
		return -1;
	}
	while ((opt = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(opt, '=');
		uint64_t v;

		if (!eq) {
			snprintf(err, errlen, "store option '%s' has no value (NAME=VALUE)", opt);
			return -1;
		}
		*eq++ = 0;
		if (strcmp(opt, "max-bytes") == 0)
			v = out->max_bytes = vg_store_parse_bytes(eq, err, errlen);
		else if (strcmp(opt, "queue") == 0 && with_queue)
			v = out->queue_bytes = vg_store_parse_bytes(eq, err, errlen);
		else if (strcmp(opt, "max-age") == 0)
			v = out->max_age_ns = vg_store_parse_duration(eq, err, errlen);
		else if (strcmp(opt, "window") == 0)
			v = out->window_ns = vg_store_parse_duration(eq, err, errlen);
		else {
			snprintf(err, errlen, "unknown store option '%s' (max-bytes, max-age, window%s)", opt,
				 with_queue ? ", queue" : "");
			return -1;
		}
		if (!v)
			return -1;
	}
	return 0;
}

uint64_t vg_store_parse_duration(const char *s, char *err, size_t errlen)
{
	uint64_t v;

	if (vg_parse_duration_ns(s, &v) && v > 0)
		return v;
	snprintf(err, errlen, "'%s' is not a duration (seconds, or a number with ms, s, m, h, d or w)", s ? s : "");
	return 0;
}

uint64_t vg_store_parse_bytes(const char *s, char *err, size_t errlen)
{
	uint64_t v;

	if (vg_parse_size(s, &v) && v > 0)
		return v;
	snprintf(err, errlen, "'%s' is not a size (bytes, or a number with K, M, G or T)", s ? s : "");
	return 0;
}

/* RFC 3339: date, 'T' or ' ', time, optional fraction, 'Z' or +hh:mm / -hh:mm (or none:
 * UTC). */
static bool rfc3339(const char *s, uint64_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%d", &tm);
	uint64_t frac = 0, scale = SEC;
	long offset = 0;

	if (!p)
		return false;
	if (*p == 'T' || *p == ' ') {
		p = strptime(p + 1, "%H:%M:%S", &tm);
		if (!p)
			return false;
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++)
				if (scale > 1) {
					scale /= 10;
					frac += (uint64_t)(*p - '0') * scale;
				}
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;

		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return false;
		offset = (hh * 3600L + mm * 60L) * (*p == '+' ? 1 : -1);
		p += 6;
	}
	if (*p)
		return false;
	*out = ((uint64_t)(timegm(&tm) - offset)) * SEC + frac;
	return true;
}

uint64_t vg_store_parse_time(const char *s, char *err, size_t errlen)
{
	uint64_t v;
	bool ok;
	char *end;

	if (s && rfc3339(s, &v))
		return v;
	if (s && *s && strtoull(s, &end, 10) && *end == 0 && strlen(s) >= 9)
		return strtoull(s, NULL, 10) * SEC; /* epoch seconds */
	ok = s && *s && s[strlen(s) - 1] > '9' && vg_parse_duration_ns(s, &v); /* an age: "15m" */
	if (ok && v <= vg_store_now_ns())
		return vg_store_now_ns() - v;
	snprintf(err, errlen, "'%s' is not a time (2026-12-01T10:00:00Z, epoch seconds, or an age such as "
			      "15m, 2h, 7d)", s ? s : "");
	return 0;
}

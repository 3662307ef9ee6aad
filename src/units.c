/* units.c — count, size and duration parsing (units.h): the one reading of "64K", "250ms", "7d"
 * that every option, config key, rule window and store setting uses. Strict: no sign, no
 * leading space, no hex, no inf or nan, and bounded so that nanoseconds and bytes fit in 64
 * bits. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "units.h"

bool vg_parse_count(const char *s, unsigned long long *out)
{
	char *end;

	/* strtoull accepts a sign (and wraps "-1" to the maximum) and leading space: neither */
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !*end && !errno;
}

/* A non-negative decimal number at the start of s (digits, one point, an exponent), or
 * false; *end after it. */
static bool number(const char *s, double *v, char **end)
{
	if (!isdigit((unsigned char)s[0]) && !(s[0] == '.' && isdigit((unsigned char)s[1])))
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return false;
	*v = strtod(s, end);
	return isfinite(*v) && *v >= 0;
}

bool vg_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v, mul = 1;

	if (!s || !number(s, &v, &end))
		return false;
	switch (*end) {
	case 'k': case 'K': mul = 1024.0; end++; break;
	case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	}
	if (mul > 1 && *end == 'i')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v * mul >= 1.8e19)
		return false;
	*out = (uint64_t)(v * mul);
	return true;
}

bool vg_parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
		      { "h", 3600e9 }, { "d", 86400e9 }, { "w", 604800e9 }, { "", 1e9 } };
	char *end;
	double v;

	if (!s || !number(s, &v, &end))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0) {
			if (v * units[i].ns > VG_DURATION_MAX_S * 1e9)
				return false;
			*out = (uint64_t)(v * units[i].ns);
			return true;
		}
	return false;
}

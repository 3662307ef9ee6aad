/* common.c — helpers the subcommands share: error reporting, the parsers of option values
 * (seconds, unsigned sizes and counts, event lists), so that every option refuses bad input
 * the same way, and opening the store the analyst's commands read. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "units.h"
#include "event.h"
#include "store/store.h"

int vg_cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vigil: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int vg_parse_event_list(const char *list, bool set[VG_EV__COUNT], char *err, size_t errlen)
{
	char buf[1024], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int t;

		while (*tok == ' ')
			tok++;
		if (strcmp(tok, "all") == 0) {
			for (unsigned i = 0; i < VG_EV__COUNT; i++)
				set[i] = true;
			continue;
		}
		if ((t = vg_event_by_name(tok)) < 0) {
			snprintf(err, errlen, "unknown event '%s' (see `vigil probes` for the list)", tok);
			return -1;
		}
		set[t] = true;
	}
	return 0;
}

struct vg_store *vg_cli_store(const char *path)
{
	char err[4400];
	struct vg_store *st = vg_store_open(path ? path : VG_STORE_DEFAULT_PATH, VG_STORE_READ, err, sizeof(err));

	if (!st)
		vg_cli_error("%s", err);
	return st;
}

int vg_parse_seconds(const char *opt, const char *s, double *out)
{
	uint64_t ns;

	if (!vg_parse_duration_ns(s, &ns))
		return vg_cli_error("%s takes a duration (30, 30s, 5m, 1h) up to %.0f s, not '%s'", opt,
				    VG_DURATION_MAX_S, s);
	*out = (double)ns / 1e9;
	return 0;
}

int vg_parse_uint(const char *opt, const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *out)
{
	unsigned long long v;

	if (!vg_parse_count(s, &v))
		return vg_cli_error("%s takes a number, not '%s'", opt, s);
	if (v < min || v > max)
		return vg_cli_error("%s takes a number from %llu to %llu, not '%s'", opt, min, max, s);
	*out = v;
	return 0;
}

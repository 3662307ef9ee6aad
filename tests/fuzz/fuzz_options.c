/* fuzz_options.c — libFuzzer harness for the parsers of option values (src/cli/common.c)
 * and of rule windows: the input, split at newlines, is tried as seconds, as an unsigned
 * number, as an event list and as a duration. Whatever a parser accepts must be in the
 * range it promises (finite seconds up to VG_SECONDS_MAX, numbers within their bounds, a
 * window that fits in 64-bit ns). Run with -close_fd_mask=2: refusals print to stderr. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "rules/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *save = NULL;
	bool set[VG_EV__COUNT];
	unsigned long long u;
	uint64_t ns;
	double secs;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (char *s = strtok_r(text, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		if (vg_parse_seconds("--duration", s, &secs) == 0 && !(isfinite(secs) && secs >= 0 && secs <= VG_SECONDS_MAX))
			abort();
		if (vg_parse_uint("--proc-cap", s, 16, 1u << 22, &u) == 0 && (u < 16 || u > 1u << 22))
			abort();
		if (parse_duration(s, &ns) && ns > 1000000000000000000ull)
			abort();
		memset(set, 0, sizeof(set));
		vg_parse_event_list(s, set);
	}
	free(text);
	return 0;
}

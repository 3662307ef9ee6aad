/* fuzz_options.c — libFuzzer harness for the parsers of option values (src/cli/common.c,
 * src/units.c): the input, split at newlines, is tried as seconds, as an unsigned number,
 * as an event list, as a duration and as a size. Whatever a parser accepts must be in the
 * range it promises (finite seconds up to VG_DURATION_MAX_S, numbers within their bounds, a
 * duration that fits in 64-bit ns). Run with -close_fd_mask=2: refusals print to stderr. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *save = NULL;
	bool set[VG_EV__COUNT];
	unsigned long long u;
	uint64_t ns, bytes;
	char err[128];
	double secs;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (char *s = strtok_r(text, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		if (vg_parse_seconds("--duration", s, &secs) == 0 && !(isfinite(secs) && secs >= 0 && secs <= VG_DURATION_MAX_S))
			abort();
		if (vg_parse_uint("--proc-cap", s, 16, 1u << 22, &u) == 0 && (u < 16 || u > 1u << 22))
			abort();
		if (vg_parse_duration_ns(s, &ns) && ns > (uint64_t)(VG_DURATION_MAX_S * 1e9))
			abort();
		(void)vg_parse_size(s, &bytes);
		memset(set, 0, sizeof(set));
		vg_parse_event_list(s, set, err, sizeof(err));
	}
	free(text);
	return 0;
}

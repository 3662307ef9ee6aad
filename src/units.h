/* units.h — counts, sizes and durations as people write them in options and the config file. */
#ifndef VIGIL_UNITS_H
#define VIGIL_UNITS_H

#include <stdbool.h>
#include <stdint.h>

/* A count: decimal or 0x-hex digits, no sign, no space, no unit; false beyond 64 bits. */
bool vg_parse_count(const char *s, unsigned long long *out);
/* "4096", "64K", "8M", "1G" (powers of 1024; an optional trailing "B" or "iB"). */
bool vg_parse_size(const char *s, uint64_t *out);
/* The longest duration anything takes: about 31 years, so any count of ns fits in 64 bits. */
#define VG_DURATION_MAX_S 1e9
/* "250ms", "5s", "10m", "2h", "7d", "1w" (also ns, us); a bare number is seconds (fractions
 * allowed); at most VG_DURATION_MAX_S. */
bool vg_parse_duration_ns(const char *s, uint64_t *out);

#endif

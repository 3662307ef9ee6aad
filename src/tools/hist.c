/* hist.c — log2 histograms in libbpf-tools' format (see hist.h): slot i holds values
 * from 2^i to 2^(i+1)-1, except slot 0 which holds 0 and 1. */
#include "output/json.h"
#include "tools/hist.h"

#define STARS_MAX 40

static void stars(struct vg_buf *b, uint32_t val, uint32_t max, int width)
{
	int n = (int)((uint64_t)(val < max ? val : max) * (uint64_t)width / max);

	for (int i = 0; i < width; i++)
		vg_buf_putc(b, i < n ? '*' : ' ');
	if (val > max)
		vg_buf_putc(b, '+');
}

static void bounds(size_t i, unsigned long long *low, unsigned long long *high)
{
	*low = (1ULL << (i + 1)) >> 1;
	*high = (1ULL << (i + 1)) - 1;
	if (*low == *high)
		*low -= 1;
}

void vg_hist_text(struct vg_buf *b, const uint32_t *slots, size_t n, const char *unit)
{
	int last = -1;
	uint32_t max = 0;

	for (size_t i = 0; i < n; i++) {
		if (slots[i])
			last = (int)i;
		if (slots[i] > max)
			max = slots[i];
	}
	if (last < 0)
		return;
	vg_buf_printf(b, "%*s%-*s : count    distribution\n", last <= 32 ? 5 : 15, "", last <= 32 ? 19 : 29, unit);
	for (int i = 0; i <= last; i++) {
		unsigned long long low, high;
		int width = last <= 32 ? 10 : 20;

		bounds((size_t)i, &low, &high);
		vg_buf_printf(b, "%*llu -> %-*llu : %-8u |", width, low, width, high, slots[i]);
		stars(b, slots[i], max, last <= 32 ? STARS_MAX : STARS_MAX / 2);
		vg_buf_puts(b, "|\n");
	}
}

void vg_hist_json(struct vg_buf *b, const uint32_t *slots, size_t n, const char *unit)
{
	unsigned long long total = 0;
	int last = -1;

	for (size_t i = 0; i < n; i++) {
		total += slots[i];
		if (slots[i])
			last = (int)i;
	}
	vg_buf_puts(b, "\"unit\":");
	vg_json_cstr(b, unit);
	vg_buf_printf(b, ",\"total\":%llu,\"buckets\":[", total);
	for (int i = 0; i <= last; i++) {
		unsigned long long low, high;

		bounds((size_t)i, &low, &high);
		vg_buf_printf(b, "%s{\"low\":%llu,\"high\":%llu,\"count\":%u}", i ? "," : "", low, high, slots[i]);
	}
	vg_buf_putc(b, ']');
}

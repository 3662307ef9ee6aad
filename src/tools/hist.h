/* hist.h — log2 histograms as libbpf-tools prints them (print_log2_hist: "usecs : count
 * distribution" with a bar of stars), or as one JSON object. */
#ifndef VIGIL_HIST_H
#define VIGIL_HIST_H

#include <stddef.h>
#include <stdint.h>
#include "output/buf.h"

/* Text: the header line and one line per slot up to the last non-empty one (nothing when
 * all are empty). unit names the values ("usecs"). */
void vg_hist_text(struct vg_buf *b, const uint32_t *slots, size_t n, const char *unit);
/* JSON members (no braces): "unit":..,"total":N,"buckets":[{"low":..,"high":..,"count":..}...]. */
void vg_hist_json(struct vg_buf *b, const uint32_t *slots, size_t n, const char *unit);

#endif

/* reader.c — ring buffer consumer and loss accounting (see reader.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/loader.h"
#include "reader/reader.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct vg_reader *r = ctx;
	const struct vg_hdr *h = data;

	if (size < sizeof(*h) || h->type >= VG_EV__COUNT) {
		r->c.malformed++;
		return 0;
	}
	r->c.received[h->type]++;
	r->c.received_total++;
	r->fn(r->ctx, data, size);
	return 0;
}

int vg_reader_open(struct vg_reader *r, const struct vg_loader *l, vg_record_fn fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->loader = l;
	r->fn = fn;
	r->ctx = ctx;
	r->rb = ring_buffer__new(vg_loader_ring_fd(l), on_sample, r, NULL);
	return r->rb ? 0 : -1;
}

/* Producers rarely wake us (see vg_wakeup_flag in common.bpf.h), so a poll that times
 * out still consumes what arrived meanwhile. */
int vg_reader_poll(struct vg_reader *r, int timeout_ms)
{
	int n = ring_buffer__poll(r->rb, timeout_ms);

	if (n < 0 && n != -EINTR)
		return n;
	n = ring_buffer__consume(r->rb);
	return n < 0 && n != -EINTR ? n : 0;
}

void vg_reader_drain(struct vg_reader *r)
{
	ring_buffer__consume(r->rb);
}

/* Sum of a per-CPU u64 array element. */
static uint64_t percpu_sum(int fd, uint32_t key, uint64_t *vals, int ncpu)
{
	uint64_t sum = 0;

	if (bpf_map_lookup_elem(fd, &key, vals) < 0)
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

void vg_reader_refresh(struct vg_reader *r)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*vals));
	int drops_fd = vg_loader_drops_fd(r->loader);

	if (!vals)
		return;
	r->c.lost = r->c.suppressed = 0;
	for (uint32_t t = 0; t < VG_EV__COUNT; t++)
		for (uint32_t d = 0; d < VG_DROP__COUNT; d++) {
			uint64_t n = percpu_sum(drops_fd, t * VG_DROP__COUNT + d, vals, ncpu);

			r->c.drops[t][d] = n;
			if (VG_DROP_IS_LOSS(d))
				r->c.lost += n;
			else
				r->c.suppressed += n;
		}
	r->c.kernel_seq = percpu_sum(vg_loader_seq_fd(r->loader), 0, vals, ncpu);
	r->c.seq_gap = (int64_t)(r->c.kernel_seq - r->c.received_total - r->c.malformed);
	free(vals);
}

void vg_reader_close(struct vg_reader *r)
{
	ring_buffer__free(r->rb);
	r->rb = NULL;
}

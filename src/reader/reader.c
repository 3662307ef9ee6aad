/* reader.c — ring buffer consumer and loss accounting (see reader.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/loader.h"
#include "reader/reader.h"

int vg_reader_handle(struct vg_reader *r, const void *data, size_t size)
{
	const struct vg_hdr *h = data;

	int rc = 0;

	if (size < sizeof(*h) || h->type >= VG_EV__COUNT || r->fn(r->ctx, data, size) < 0) {
		r->c.malformed++;
		rc = -1;
	} else {
		r->c.received[h->type]++;
		r->c.received_total++;
	}
	/* once handled: a reader killed while handling it leaves it to the next one, which counts
	 * it then (libbpf moves the ring's consumer position after this returns) */
	if (r->consumed)
		(*r->consumed)++;
	return rc;
}

int vg_reader_take(void *reader, const void *data, size_t size)
{
	return vg_reader_handle(reader, data, size);
}

int vg_reader_inject(struct vg_reader *r, const void *data, size_t size)
{
	if (vg_reader_handle(r, data, size) < 0)
		return -1;
	r->c.sourced++;
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	vg_reader_handle(ctx, data, size);
	return 0; /* a malformed record is counted, and the next one is read */
}

/* The kernel lets anyone holding the map map its two position pages read-only: the
 * consumer's (page 0) and the producer's (page 1). libbpf (1.1) keeps its own mapping to
 * itself; this one only looks. */
static void open_positions(struct vg_reader *r, int fd)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return;
	p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return;
	r->positions = p;
	r->ring_size = info.max_entries;
}

int vg_reader_open(struct vg_reader *r, const struct vg_loader *l, vg_record_fn fn, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->loader = l;
	r->fn = fn;
	r->ctx = ctx;
	r->consumed = &l->control->consumed;
	r->c.earlier = *r->consumed;
	r->rb = ring_buffer__new(vg_loader_ring_fd(l), on_sample, r, NULL);
	if (!r->rb)
		return -1;
	open_positions(r, vg_loader_ring_fd(l));
	return 0;
}

double vg_reader_fill(const struct vg_reader *r)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned long consumer, producer;

	if (!r->positions || !r->ring_size)
		return -1;
	consumer = r->positions[0];
	producer = r->positions[page / sizeof(unsigned long)];
	return producer > consumer ? (double)(producer - consumer) / (double)r->ring_size : 0;
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

void vg_reader_settle(struct vg_reader *r)
{
	for (int waited_ms = 0;; waited_ms++) {
		int64_t numbered_losses = 0; /* vg_submit numbers a record before it can fail */

		ring_buffer__consume(r->rb);
		vg_reader_refresh(r);
		for (uint32_t t = 0; t < VG_EV__COUNT; t++)
			numbered_losses += (int64_t)(r->c.drops[t][VG_DROP_OVERSIZE] + r->c.drops[t][VG_DROP_RING_FULL]);
		if (r->c.seq_gap <= numbered_losses || waited_ms == 250)
			return;
		usleep(1000);
	}
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
	for (uint32_t t = 0; t < VG_EV__COUNT; t++)
		for (uint32_t d = 0; d < VG_DROP__COUNT; d++)
			r->c.drops[t][d] = percpu_sum(drops_fd, VG_DROP_INDEX(t, d), vals, ncpu);
	r->c.kernel_seq = percpu_sum(vg_loader_seq_fd(r->loader), 0, vals, ncpu);
	free(vals);
	vg_counters_settle(&r->c);
}

void vg_counters_settle(struct vg_counters *c)
{
	c->lost = c->suppressed = c->filtered = 0;
	for (uint32_t t = 0; t < VG_EV__COUNT; t++)
		for (uint32_t d = 0; d < VG_DROP__COUNT; d++) {
			if (VG_DROP_IS_LOSS(d))
				c->lost += c->drops[t][d];
			else if (d == VG_DROP_FILTERED)
				c->filtered += c->drops[t][d];
			else
				c->suppressed += c->drops[t][d];
		}
	c->seq_gap = (int64_t)(c->kernel_seq - c->earlier - (c->received_total - c->sourced) - c->malformed);
}

void vg_reader_close(struct vg_reader *r)
{
	ring_buffer__free(r->rb);
	r->rb = NULL;
	if (r->positions)
		munmap((void *)r->positions, 2 * (size_t)sysconf(_SC_PAGESIZE));
	r->positions = NULL;
}

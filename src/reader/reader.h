/* reader.h — drains the ring buffer into a per-record callback, and accounts for every
 * record: received per type and CPU, malformed, and the kernel's loss and suppression
 * counters, so that the sequence gap and the drop counters can be checked against each
 * other. */
#ifndef VIGIL_READER_H
#define VIGIL_READER_H

#include <stdbool.h>
#include <stdint.h>
#include "vigil_event.h"

struct vg_loader;
struct ring_buffer;

/* Handles one record; returns <0 when the record is malformed (the reader counts it). */
typedef int (*vg_record_fn)(void *ctx, const void *data, size_t size);

struct vg_counters {
	uint64_t received[VG_EV__COUNT]; /* records handled, by type */
	uint64_t received_total;
	uint64_t malformed;  /* records refused (by the reader or the record callback); not in received */
	uint64_t drops[VG_EV__COUNT][VG_DROP__COUNT]; /* kernel, summed over CPUs */
	uint64_t lost;       /* drops that are losses (ring full, oversize, no scratch) */
	uint64_t suppressed; /* drops the user asked for (allowlist, rate limit, breaker) */
	uint64_t filtered;   /* events no rule can match, dropped by the kernel filter */
	uint64_t kernel_seq; /* records the kernel numbered, summed over CPUs */
	int64_t seq_gap;     /* kernel_seq - received_total - malformed: proven loss (plus records in flight) */
};

struct vg_reader {
	struct ring_buffer *rb;
	const struct vg_loader *loader;
	vg_record_fn fn;
	void *ctx;
	struct vg_counters c;
};

int vg_reader_open(struct vg_reader *r, const struct vg_loader *l, vg_record_fn fn, void *ctx);
/* One record through the callback, counted as received or malformed (what the ring
 * buffer callback does for every record). */
int vg_reader_handle(struct vg_reader *r, const void *data, size_t size);
/* Waits up to timeout_ms for records and handles them; <0 on error (EINTR is not one). */
int vg_reader_poll(struct vg_reader *r, int timeout_ms);
/* Handles everything already in the ring without waiting. */
void vg_reader_drain(struct vg_reader *r);
/* Refreshes the kernel-side counters in r->c (then vg_counters_settle). */
void vg_reader_refresh(struct vg_reader *r);
/* From drops and kernel_seq: lost, suppressed, filtered and seq_gap. */
void vg_counters_settle(struct vg_counters *c);
void vg_reader_close(struct vg_reader *r);

#endif

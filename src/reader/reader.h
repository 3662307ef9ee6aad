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
	uint64_t sourced;    /* of received_total: records made in user space (vg_reader_inject), outside the kernel's sequence */
	uint64_t malformed;  /* records refused (by the reader or the record callback); not in received */
	uint64_t drops[VG_EV__COUNT][VG_DROP__COUNT]; /* kernel, summed over CPUs */
	uint64_t lost;       /* drops that are losses (ring full, oversize, no scratch) */
	uint64_t suppressed; /* drops the user asked for (allowlist, rate limit, breaker) */
	uint64_t filtered;   /* events no rule can match, dropped by the kernel filter */
	uint64_t kernel_seq; /* records the kernel numbered, summed over CPUs (since the maps were made:
			      * with pins, over every agent that took them over) */
	uint64_t earlier;    /* of those, records earlier agents took from the pinned ring */
	int64_t seq_gap;     /* kernel_seq - earlier - (received_total - sourced) - malformed: proven
			      * loss (plus records in flight) */
};

struct vg_reader {
	struct ring_buffer *rb;
	const volatile unsigned long *positions; /* the ring's consumer and producer pages, read-only */
	size_t ring_size;
	const struct vg_loader *loader;
	vg_record_fn fn;
	void *ctx;
	struct vg_counters c;
	__u64 *consumed; /* the control map's count of records taken (every agent's), or NULL */
};

/* Reads l's ring from where the last reader left it (with pins, what an earlier agent did not
 * take comes first). */
int vg_reader_open(struct vg_reader *r, const struct vg_loader *l, vg_record_fn fn, void *ctx);
/* One record through the callback, counted as received or malformed (what the ring
 * buffer callback does for every record). */
int vg_reader_handle(struct vg_reader *r, const void *data, size_t size);
/* vg_reader_handle as a vg_record_fn (ctx: the reader), for kernel records delivered
 * another way than the ring (the file_read and file_write records of a map). */
int vg_reader_take(void *reader, const void *data, size_t size);
/* A record made in user space (an event source outside the kernel: uevents) through the
 * same callback, counted as received and as sourced (it has no kernel sequence number). */
int vg_reader_inject(struct vg_reader *r, const void *data, size_t size);
/* How full the ring buffer is, 0 to 1 (what the kernel wrote that the reader has not
 * consumed); -1 when its pages could not be mapped. */
double vg_reader_fill(const struct vg_reader *r);
/* Waits up to timeout_ms for records and handles them; <0 on error (EINTR is not one). */
int vg_reader_poll(struct vg_reader *r, int timeout_ms);
/* Handles everything already in the ring without waiting. */
void vg_reader_drain(struct vg_reader *r);
/* After the programs are detached: drains the ring, refreshing the counters, until every
 * record the kernel numbered is accounted for (received, or counted lost after it was
 * numbered) or 250 ms have passed. A program
 * preempted between numbering its record and writing it (syscall tracepoints run
 * preemptible) writes it after the detach; read before then, it would look lost. */
void vg_reader_settle(struct vg_reader *r);
/* Refreshes the kernel-side counters in r->c (then vg_counters_settle). */
void vg_reader_refresh(struct vg_reader *r);
/* From drops and kernel_seq: lost, suppressed, filtered and seq_gap. */
void vg_counters_settle(struct vg_counters *c);
void vg_reader_close(struct vg_reader *r);

#endif

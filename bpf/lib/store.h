/* lib/store.h — a sensor record from start to ring buffer (after Falco's modern_bpf split:
 * extract -> store -> submit).
 *
 * A program builds its record in a per-CPU scratch buffer (vg_begin), appends variable
 * data (lib/record.h), then copies it to the ring buffer in one go (vg_submit). Every
 * record that is built but cannot be delivered is counted by type and reason and consumes
 * a per-CPU sequence number, so user space can prove the loss from the gap. */
#ifndef VIGIL_LIB_STORE_H
#define VIGIL_LIB_STORE_H

#include "lib/maps.h"
#include "lib/noise.h"
#include "lib/extract.h"
#include "lib/record.h"

static __always_inline __u8 *vg_scratch_buf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vg_scratch, &zero);
}

/* Starts a record of `type` about the current task whose fixed body is body_size bytes.
 * NULL when the event is not wanted (no interest, vigil itself, noise control) or scratch
 * is unavailable (counted). matched: the kernel filter matched it (lib/filter.h), which
 * exempts it from the rate limit. */
static __always_inline struct vg_hdr *vg_begin_judged(__u32 type, __u32 body_size, bool matched)
{
	struct vg_hdr *h;

	if (!vg_interested(type) || vg_is_self_or_standby() || !vg_noise_pass(type, matched))
		return NULL;
	h = (struct vg_hdr *)vg_scratch_buf();
	if (!h) {
		vg_lose(type, VG_DROP_NO_SCRATCH);
		return NULL;
	}
	__builtin_memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = sizeof(*h) + body_size;
	h->ts = bpf_ktime_get_boot_ns();
	h->cpu = bpf_get_smp_processor_id();
	vg_fill_task(h);
	return h;
}

static __always_inline struct vg_hdr *vg_begin(__u32 type, __u32 body_size)
{
	return vg_begin_judged(type, body_size, false);
}

/* h and body (of type T, zeroed) for event `type`; returns 0 from the caller when the
 * event is not wanted. */
#define VG_BEGIN(h, body, type, T) VG_BEGIN_JUDGED(h, body, type, T, false)

/* The same for an event the kernel filter judged: matched is its verdict. */
#define VG_BEGIN_JUDGED(h, body, type, T, matched)                      \
	struct vg_hdr *h = vg_begin_judged(type, sizeof(T), matched);   \
	if (!h)                                                         \
		return 0;                                               \
	T *body = (T *)vg_body(h);                                      \
	__builtin_memset(body, 0, sizeof(T))

/* Waking the reader costs an irq_work (an IPI, a VM exit under virtualisation) per record
 * when it keeps up, which dominated the cost of every event. So records are written
 * without a wakeup; the reader polls every few milliseconds, and the producer wakes it only
 * when the ring is an eighth full, so bursts still drain early. Reading the fill means
 * reading the consumer position, a cache line the reader writes, a miss that was a tenth of
 * a fork's or an exit's cost: each CPU looks only at every VG_WAKEUP_EVERY-th record of
 * its sequence, which wakes a burst at most that many records later. */
#define VG_WAKEUP_EVERY 16

static __always_inline __u64 vg_wakeup_flag(__u64 seq)
{
	__u64 avail, size;

	if (seq % VG_WAKEUP_EVERY)
		return BPF_RB_NO_WAKEUP;
	avail = bpf_ringbuf_query(&vg_events, BPF_RB_AVAIL_DATA);
	size = bpf_ringbuf_query(&vg_events, BPF_RB_RING_SIZE);
	return avail > size / 8 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline int vg_submit(struct vg_hdr *h)
{
	__u32 zero = 0, size = h->size;
	__u64 *seq = bpf_map_lookup_elem(&vg_seq, &zero);

	if (!seq)
		return -1;
	/* fetch-and-add, not load then store: a program in softirq context (tcp_send_reset,
	 * inet_sock_set_state) can interrupt this one between the two on the same CPU, and a
	 * duplicated number would hide a loss */
	h->seq = __sync_fetch_and_add(seq, 1);
	if (size > VG_MAX_RECORD) {
		vg_count_drop(h->type, VG_DROP_OVERSIZE);
		return -1;
	}
	/* the check above lets the compiler drop the mask; the verifier needs it */
	asm volatile("" : "+r"(size));
	if (bpf_ringbuf_output(&vg_events, h, size & (VG_SCRATCH_SIZE - 1), vg_wakeup_flag(h->seq)) < 0) {
		vg_count_drop(h->type, VG_DROP_RING_FULL);
		return -1;
	}
	return 0;
}

#endif

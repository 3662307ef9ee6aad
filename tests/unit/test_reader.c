/* test_reader.c — loss accounting: a record the callback refuses is malformed, not
 * received, so the sequence gap (kernel_seq - received - malformed) proves exactly the
 * records that never arrived. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "reader/reader.h"

/* The record callback: refuses records whose ret is -1, the way the decoder refuses a
 * malformed body. */
static int handle(void *ctx, const void *data, size_t size)
{
	const struct vg_hdr *h = data;

	return h->ret == -1 ? -1 : 0;
}

static void feed(struct vg_reader *r, unsigned type, int ret)
{
	struct vg_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = (unsigned short)type;
	h.size = sizeof(h);
	h.ret = ret;
	vg_reader_handle(r, &h, sizeof(h));
}

static void test_refused_record_counts_once(void **state)
{
	struct vg_reader r;

	memset(&r, 0, sizeof(r));
	r.fn = handle;
	feed(&r, VG_EV_EXEC, 0);
	feed(&r, VG_EV_EXEC, -1); /* refused by the callback */
	feed(&r, VG_EV_FORK, 0);
	vg_reader_handle(&r, "x", 1); /* shorter than a header: refused by the reader */
	r.c.kernel_seq = 6;        /* the kernel numbered six: two never arrived */
	r.c.drops[VG_EV_EXEC][VG_DROP_RING_FULL] = 2;
	r.c.drops[VG_EV_EXEC][VG_DROP_RATE_LIMIT] = 5; /* suppressions take no sequence number */
	r.c.drops[VG_EV_OPEN][VG_DROP_FILTERED] = 7;   /* nor what the kernel filter drops */
	vg_counters_settle(&r.c);
	assert_int_equal(r.c.received_total, 2);
	assert_int_equal(r.c.received[VG_EV_EXEC], 1);
	assert_int_equal(r.c.malformed, 2);
	assert_int_equal(r.c.lost, 2);
	assert_int_equal(r.c.suppressed, 5);
	assert_int_equal(r.c.filtered, 7);
	assert_int_equal(r.c.seq_gap, 2);
	assert_int_equal(r.c.seq_gap, (int64_t)r.c.lost);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_record_counts_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_spool.c — the disk spool: records come back in order with their keys and ids, a
 * restart resumes from the ack with the sequence continuing, a torn tail (a crash in a
 * write) and a flipped byte are cut off and counted, the byte cap evicts the oldest
 * segments and counts exactly what it dropped, records in flight are never evicted, a
 * rewind resends, and a second agent cannot open a spool in use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "output/spool.h"

static char dir[256];

static int make_dir(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/vigil-test-spool-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct vg_spool *open_spool(uint64_t max, uint64_t segment)
{
	struct vg_spool_opts o = { .max_bytes = max, .segment_bytes = segment, .fsync_ns = 0 };
	char err[300] = "";
	struct vg_spool *sp;

	snprintf(o.dir, sizeof(o.dir), "%s/sp", dir);
	sp = vg_spool_open(&o, "host1", "boot1", err, sizeof(err));
	if (!sp)
		fail_msg("open: %s", err);
	return sp;
}

/* Appends records n0..n1-1 with payload "record N" and key "k.N". */
static void append_range(struct vg_spool *sp, int n0, int n1)
{
	for (int i = n0; i < n1; i++) {
		char key[32], data[64];
		int kl = snprintf(key, sizeof(key), "k.%d", i), dl = snprintf(data, sizeof(data), "record %d", i);

		vg_spool_append(sp, 1000 + (uint64_t)i, key, (size_t)kl, data, (size_t)dl);
	}
	vg_spool_commit(sp);
}

/* Reads everything available; returns how many, checking each payload names its seq. */
static int read_all(struct vg_spool *sp, uint64_t *first, uint64_t *last)
{
	struct vg_spool_rec r;
	int n = 0;

	while (vg_spool_read(sp, &r) == 1) {
		char want[64];

		if (!n && first)
			*first = r.seq;
		if (last)
			*last = r.seq;
		snprintf(want, sizeof(want), "record %llu", (unsigned long long)(r.seq - 1));
		assert_int_equal(r.len, strlen(want));
		assert_memory_equal(r.data, want, r.len);
		assert_string_equal(r.host_id, "host1");
		n++;
	}
	return n;
}

static void test_order_keys_and_ids(void **state)
{
	struct vg_spool *sp = open_spool(1 << 20, 64 << 10);
	struct vg_spool_rec r;
	char id[VG_SPOOL_ID_LEN];

	vg_spool_next_id(sp, id);
	assert_string_equal(id, "host1:boot1:1");
	append_range(sp, 0, 3);
	assert_int_equal(vg_spool_read(sp, &r), 1);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.ts_ns, 1000);
	assert_int_equal(r.key_len, 3);
	assert_memory_equal(r.key, "k.0", 3);
	assert_string_equal(r.boot_id, "boot1");
	assert_int_equal(vg_spool_read(sp, &r), 1);
	assert_int_equal(r.seq, 2);
	assert_int_equal(vg_spool_read(sp, &r), 1);
	assert_int_equal(r.seq, 3);
	assert_int_equal(vg_spool_read(sp, &r), 0);
	vg_spool_next_id(sp, id);
	assert_string_equal(id, "host1:boot1:4");
	/* no key (syslog, webhook) and no data are records too: zlib restarts a CRC on NULL */
	vg_spool_append(sp, 7, NULL, 0, "x", 1);
	vg_spool_append(sp, 8, NULL, 0, NULL, 0);
	vg_spool_commit(sp);
	assert_int_equal(vg_spool_read(sp, &r), 1);
	assert_int_equal(r.key_len, 0);
	assert_int_equal(r.len, 1);
	assert_int_equal(vg_spool_read(sp, &r), 1);
	assert_int_equal(r.seq, 5);
	assert_int_equal(r.len, 0);
	vg_spool_close(sp);
}

static void test_resume_after_restart(void **state)
{
	struct vg_spool *sp = open_spool(1 << 20, 4096);
	struct vg_spool_stats st;
	uint64_t first = 0, last = 0;

	append_range(sp, 0, 100);
	assert_int_equal(read_all(sp, NULL, NULL), 100);
	vg_spool_ack(sp, 41, 0); /* 1..40 delivered; 41..100 were in flight */
	vg_spool_maintain(sp, 1);
	vg_spool_close(sp);

	sp = open_spool(1 << 20, 4096);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.resumed, 60);
	assert_int_equal(st.pending, 60);
	assert_int_equal(read_all(sp, &first, &last), 60);
	assert_int_equal(first, 41);
	assert_int_equal(last, 100);
	append_range(sp, 100, 110); /* the sequence continues */
	assert_int_equal(read_all(sp, &first, &last), 10);
	assert_int_equal(first, 101);
	assert_int_equal(last, 110);
	vg_spool_ack(sp, UINT64_MAX, 0);
	vg_spool_maintain(sp, 2);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.pending, 0);
	vg_spool_close(sp);

	sp = open_spool(1 << 20, 4096);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.resumed, 0);
	append_range(sp, 110, 111);
	assert_int_equal(read_all(sp, &first, NULL), 1);
	assert_int_equal(first, 111); /* numbers are never reused, even with every segment gone */
	vg_spool_close(sp);
}

/* The newest segment file of the spool, by name. */
static void newest_segment(char *path, size_t len)
{
	char d[300];
	DIR *dp;
	struct dirent *e;
	char best[64] = "";

	snprintf(d, sizeof(d), "%s/sp", dir);
	dp = opendir(d);
	assert_non_null(dp);
	while ((e = readdir(dp)))
		if (strstr(e->d_name, ".seg") && strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name);
	closedir(dp);
	assert_true(best[0]);
	snprintf(path, len, "%s/%s", d, best);
}

static void test_torn_tail_is_cut(void **state)
{
	struct vg_spool *sp = open_spool(1 << 20, 1 << 20);
	struct vg_spool_stats st;
	char path[400];
	struct stat sb;
	uint64_t last = 0;

	append_range(sp, 0, 10);
	vg_spool_close(sp);
	newest_segment(path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	/* a crash in the middle of the last record's write */
	assert_int_equal(truncate(path, sb.st_size - 5), 0);

	sp = open_spool(1 << 20, 1 << 20);
	vg_spool_stats(sp, &st);
	assert_true(st.torn_bytes > 0);
	assert_int_equal(st.resumed, 9);
	assert_int_equal(read_all(sp, NULL, &last), 9);
	assert_int_equal(last, 9);
	append_range(sp, 9, 10); /* the torn record's number is given again: it never existed */
	assert_int_equal(read_all(sp, NULL, &last), 1);
	assert_int_equal(last, 10);
	vg_spool_close(sp);
}

static void test_flipped_byte_is_caught(void **state)
{
	struct vg_spool *sp = open_spool(1 << 20, 1 << 20);
	struct vg_spool_stats st;
	char path[400];
	struct stat sb;
	int fd;
	char c;

	append_range(sp, 0, 10);
	vg_spool_close(sp);
	newest_segment(path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	/* records are 32 + 11 bytes ("k.N", "record N"): a byte in the 6th of 10 */
	assert_int_equal(pread(fd, &c, 1, sb.st_size - 4 * 43 - 3), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, sb.st_size - 4 * 43 - 3), 1);
	close(fd);

	sp = open_spool(1 << 20, 1 << 20);
	vg_spool_stats(sp, &st);
	assert_true(st.torn_bytes > 0);
	assert_int_equal(st.resumed, 5); /* the run before the damage */
	assert_int_equal(read_all(sp, NULL, NULL), 5);
	vg_spool_close(sp);
}

static void test_damage_found_while_running_is_counted_once(void **state)
{
	struct vg_spool *sp = open_spool(1 << 20, 1 << 20);
	struct vg_spool_stats st;
	char path[400];
	uint64_t first = 0, last = 0;
	int fd;
	char c;

	append_range(sp, 0, 10);
	newest_segment(path, sizeof(path));
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	/* a byte of the 3rd record's payload (header 128, records of 43 bytes) */
	assert_int_equal(pread(fd, &c, 1, 128 + 2 * 43 + 40), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, 128 + 2 * 43 + 40), 1);
	close(fd);
	assert_int_equal(read_all(sp, &first, &last), 2);
	assert_int_equal(last, 2);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.damaged, 8); /* 3..10: what the segment held then */
	append_range(sp, 10, 15); /* what comes after is read */
	assert_int_equal(read_all(sp, &first, &last), 5);
	assert_int_equal(first, 11);
	assert_int_equal(last, 15);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.damaged, 8);
	vg_spool_ack(sp, UINT64_MAX, 0);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.pending, 0);
	vg_spool_close(sp);
}

static void test_cap_evicts_oldest_and_counts_exactly(void **state)
{
	struct vg_spool *sp = open_spool(16 << 10, 2048);
	struct vg_spool_stats st;
	uint64_t first = 0, last = 0;
	int n;

	/* nobody reads: 2000 records of ~44 bytes are far over the 16 KiB cap */
	for (int i = 0; i < 2000; i += 10)
		append_range(sp, i, i + 10);
	vg_spool_stats(sp, &st);
	assert_true(st.bytes <= (16 << 10) + 2048 + 1024);
	assert_true(st.evicted > 0);
	n = read_all(sp, &first, &last);
	assert_int_equal(last, 2000); /* the newest survive */
	assert_int_equal((uint64_t)n + st.evicted, 2000);
	assert_int_equal(first, st.evicted + 1); /* the oldest went, nothing in between */
	assert_int_equal(st.pending, (uint64_t)n);
	vg_spool_close(sp);
}

static void test_in_flight_records_are_not_evicted(void **state)
{
	struct vg_spool *sp = open_spool(16 << 10, 2048);
	struct vg_spool_stats st;
	struct vg_spool_rec r;
	uint64_t after = 0;
	int n;

	append_range(sp, 0, 10);
	for (int i = 0; i < 5; i++) /* records 1..5 are on the wire, unacknowledged */
		assert_int_equal(vg_spool_read(sp, &r), 1);
	for (int i = 10; i < 2000; i += 10)
		append_range(sp, i, i + 10);
	vg_spool_stats(sp, &st);
	assert_true(st.evicted > 0);
	vg_spool_rewind(sp, 1); /* the receiver failed: resend from the ack */
	vg_spool_ack(sp, UINT64_MAX, 0); /* "all read" now means nothing: 1..5 stay unresolved */
	vg_spool_stats(sp, &st);
	assert_int_equal(st.pending + st.evicted, 2000);
	assert_int_equal(vg_spool_read(sp, &r), 1);
	assert_int_equal(r.seq, 1);
	for (int i = 2; i <= 5; i++) {
		assert_int_equal(vg_spool_read(sp, &r), 1);
		assert_int_equal(r.seq, (uint64_t)i);
	}
	/* what follows the in-flight records' segment survived only past the evicted ones */
	n = 5 + read_all(sp, &after, NULL);
	assert_int_equal((uint64_t)n + st.evicted, 2000);
	vg_spool_close(sp);
}

static void test_second_open_is_refused(void **state)
{
	struct vg_spool *sp = open_spool(1 << 20, 4096);
	struct vg_spool_opts o = { .max_bytes = 1 << 20, .segment_bytes = 4096 };
	char err[300] = "";

	snprintf(o.dir, sizeof(o.dir), "%s/sp", dir);
	assert_null(vg_spool_open(&o, "host1", "boot1", err, sizeof(err)));
	assert_non_null(strstr(err, "in use"));
	vg_spool_close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_keys_and_ids, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_resume_after_restart, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_torn_tail_is_cut, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_flipped_byte_is_caught, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_damage_found_while_running_is_counted_once, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_cap_evicts_oldest_and_counts_exactly, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_in_flight_records_are_not_evicted, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_second_open_is_refused, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

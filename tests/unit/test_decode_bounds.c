/* test_decode_bounds.c — the decoder does not trust the kernel's bounds: a fork whose child
 * is the forking pid is refused (inserting it would free the entry being decoded), a name
 * longer than any the kernel sends is refused instead of overflowing the join buffer, and
 * a path that lost its root-most components, in the kernel (VG_F_PATH_TRUNC) or past
 * VG_PATH_MAX in user space, keeps its leaf end behind "..." and never poses as absolute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "decode/decode.h"
#include "decode_util.h"
#include "file_event.h"

struct record {
	struct vg_hdr h;
	union {
		struct vg_file_open open;
		struct vg_file_attr attr;
		struct vg_fork fork;
	};
	char data[3 * VG_PATH_MAX];
};

static int decode_rc(struct record *r)
{
	return vg_decode(pt, r, r->h.size, &ev);
}

static void test_fork_of_itself_is_malformed(void **state)
{
	struct record r;

	header(&r, VG_EV_FORK, sizeof(r.fork), 0);
	r.fork.child_pid = r.fork.child_tid = TEST_PID;
	assert_int_equal(decode_rc(&r), -1);
	r.fork.child_pid = 0;
	assert_int_equal(decode_rc(&r), -1);
	r.fork.child_pid = TEST_PID + 1;
	assert_int_equal(decode_rc(&r), 0);
	assert_non_null(vg_proctable_get(pt, TEST_PID));
	assert_int_equal(vg_proctable_get(pt, TEST_PID + 1)->ppid, TEST_PID);
}

static void test_name_longer_than_the_kernel_sends_is_malformed(void **state)
{
	static char name[VG_PATH_MAX + 2];
	struct record r;

	memset(name, 'n', sizeof(name) - 1);
	header(&r, VG_EV_CHMOD, sizeof(r.attr), 0);
	puts_(&r, &r.attr.path.dir, "d/");
	put(&r, &r.attr.path.name, name, VG_PATH_MAX + 1);
	assert_int_equal(decode_rc(&r), -1);
	header(&r, VG_EV_CHMOD, sizeof(r.attr), 0);
	puts_(&r, &r.attr.path.dir, "d/");
	put(&r, &r.attr.path.name, name, VG_PATH_MAX); /* the most the kernel sends: fits */
	assert_int_equal(decode_rc(&r), 0);
	assert_int_equal(get("file.path")->str.len, strlen("/d/") + VG_PATH_MAX);
}

static void test_kernel_cut_path_keeps_its_leaf_behind_the_marker(void **state)
{
	struct record r;

	header(&r, VG_EV_CREATE, sizeof(r.open), 3);
	puts_(&r, &r.open.path, "leaf/c2/c1/");
	decode(&r);
	assert_string_equal(str("file.path"), "/c1/c2/leaf");
	assert_int_equal(num("file.path_truncated"), 0);
	header(&r, VG_EV_CREATE, sizeof(r.open), 3);
	r.h.flags = VG_F_PATH_TRUNC;
	puts_(&r, &r.open.path, "leaf/c2/c1/");
	decode(&r);
	assert_string_equal(str("file.path"), ".../c1/c2/leaf");
	assert_int_equal(num("file.path_truncated"), 1);
	/* a relative name on a cut directory: ".." cannot climb out of the known part */
	header(&r, VG_EV_CHMOD, sizeof(r.attr), 0);
	r.h.flags = VG_F_PATH_TRUNC;
	puts_(&r, &r.attr.path.dir, "c2/c1/");
	puts_(&r, &r.attr.path.name, "../../../x");
	decode(&r);
	assert_string_equal(str("file.path"), ".../x");
	assert_string_equal(str("file.path_arg"), "../../../x");
	/* an absolute name was not walked: the record's flag is about another path */
	header(&r, VG_EV_CHMOD, sizeof(r.attr), 0);
	r.h.flags = VG_F_PATH_TRUNC;
	puts_(&r, &r.attr.path.name, "/etc/passwd");
	decode(&r);
	assert_string_equal(str("file.path"), "/etc/passwd");
}

static void test_path_past_path_max_is_cut_at_the_root_end(void **state)
{
	struct record r;
	const char *path;
	char comp[] = "0123456789abcde/"; /* 16 bytes a component */

	header(&r, VG_EV_CREATE, sizeof(r.open), 3);
	r.open.path.off = (unsigned short)r.h.size;
	for (int i = 0; i < 300; i++) { /* 4800 bytes: leaf first, so "leaf" is written first */
		if (i == 0)
			memcpy(comp, "leaf...........", 15);
		else
			memcpy(comp, "0123456789abcde", 15);
		memcpy((char *)&r + r.h.size, comp, 16);
		r.h.size += 16;
	}
	r.open.path.len = (unsigned short)(r.h.size - r.open.path.off);
	decode(&r);
	path = str("file.path");
	assert_true(strlen(path) <= VG_PATH_MAX);
	assert_memory_equal(path, ".../", 4);
	assert_string_equal(path + strlen(path) - 16, "/leaf...........");
	assert_int_equal(num("file.path_truncated"), 1); /* cut here, not in the kernel */
}

static int setup(void **state)
{
	pt = vg_proctable_new(64);
	return 0;
}

static int teardown(void **state)
{
	vg_proctable_free(pt);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_of_itself_is_malformed),
		cmocka_unit_test(test_name_longer_than_the_kernel_sends_is_malformed),
		cmocka_unit_test(test_kernel_cut_path_keeps_its_leaf_behind_the_marker),
		cmocka_unit_test(test_path_past_path_max_is_cut_at_the_root_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

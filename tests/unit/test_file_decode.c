/* test_file_decode.c — the file-event decoder on synthetic records: a caller's relative
 * path is joined onto the kernel's directory and cleaned ("." and ".." go, never above
 * "/"), a kernel path is used as is, a symlink target stays as given, fchmod's path is
 * the fd's, flags get their names, memfd names lose the "memfd:" prefix, and a string
 * pointing outside the record yields no field. */
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
		struct vg_file_pair pair;
		struct vg_file_attr attr;
		struct vg_memfd memfd;
		struct vg_mprotect mprotect;
	};
	char data[1024];
};

static void test_rename_relative_paths_are_joined_and_cleaned(void **state)
{
	struct record r;

	header(&r, VG_EV_RENAME, sizeof(r.pair), 0);
	puts_(&r, &r.pair.from.name, "./a");
	puts_(&r, &r.pair.from.dir, "work/home/"); /* leaf first: /home/work */
	puts_(&r, &r.pair.to.name, "../../../../etc//passwd");
	r.pair.to.dir = r.pair.from.dir; /* one walk shared by both names */
	decode(&r);
	assert_string_equal(str("file.path"), "/home/work/a");
	assert_string_equal(str("file.path_arg"), "./a");
	assert_string_equal(str("file.newpath"), "/etc/passwd");
	assert_string_equal(str("file.newpath_arg"), "../../../../etc//passwd");
}

static void test_symlink_target_stays_as_given(void **state)
{
	struct record r;

	header(&r, VG_EV_LINK, sizeof(r.pair), 0);
	r.pair.symlink = 1;
	puts_(&r, &r.pair.from.name, "../x/./y");
	puts_(&r, &r.pair.to.name, "/tmp/l");
	decode(&r);
	assert_string_equal(str("file.path"), "../x/./y");
	assert_null(str("file.path_arg"));
	assert_string_equal(str("file.newpath"), "/tmp/l");
	assert_int_equal(num("file.symlink"), 1);
}

static void test_fchmod_path_is_the_fds(void **state)
{
	struct record r;

	header(&r, VG_EV_CHMOD, sizeof(r.attr), 0);
	puts_(&r, &r.attr.path.dir, "sh/bin/usr/");
	r.attr.mode = 04755;
	decode(&r);
	assert_string_equal(str("file.path"), "/usr/bin/sh");
	assert_null(str("file.path_arg"));
	assert_int_equal(num("file.mode"), 04755);
	assert_int_equal(num("file.setuid"), 1);
	assert_int_equal(num("file.setgid"), 0);
}

static void test_open_kernel_path_and_failed_absolute_path(void **state)
{
	struct record r;

	header(&r, VG_EV_CREATE, sizeof(r.open), 3);
	puts_(&r, &r.open.path, "new/tmp/");
	r.open.flags = 01 | 0100 | 0200 | 02000000 | 0x40000000;
	r.open.mode = 0100640;
	r.open.sock_fd = VG_FILE_NO_SOCK;
	decode(&r);
	assert_string_equal(str("file.path"), "/tmp/new");
	assert_string_equal(str("file.flag_names"), "O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC|0x40000000");
	assert_int_equal(num("file.mode"), 0640);
	assert_null(vg_event_get(&ev, vg_field_find("file.sock.fd")));

	header(&r, VG_EV_OPEN, sizeof(r.open), -2);
	puts_(&r, &r.open.arg.name, "/a/./b//../c");
	decode(&r);
	assert_string_equal(str("file.path"), "/a/c");
	assert_string_equal(str("file.path_arg"), "/a/./b//../c");
	assert_string_equal(str("file.flag_names"), "O_RDONLY");
}

static void test_memfd_and_mprotect(void **state)
{
	struct record r;

	header(&r, VG_EV_MEMFD, sizeof(r.memfd), 4);
	puts_(&r, &r.memfd.name, "memfd:payload");
	r.memfd.flags = 0x11;
	r.memfd.fd = 4;
	decode(&r);
	assert_string_equal(str("memfd.name"), "payload");
	assert_string_equal(str("memfd.flag_names"), "MFD_CLOEXEC|MFD_EXEC");

	header(&r, VG_EV_MPROTECT, sizeof(r.mprotect), 0);
	r.mprotect.prot = 5;
	decode(&r);
	assert_string_equal(str("mprotect.prot_names"), "PROT_READ|PROT_EXEC");
	assert_string_equal(str("mprotect.vma"), "unknown");
	assert_null(vg_event_get(&ev, vg_field_find("mprotect.vma_prot")));
}

static void test_out_of_record_strings_give_no_field(void **state)
{
	struct record r;

	header(&r, VG_EV_UNLINK, sizeof(r.attr), 0);
	r.attr.path.name.off = (unsigned short)r.h.size;
	r.attr.path.name.len = 100; /* past the end */
	decode(&r);
	assert_null(str("file.path"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rename_relative_paths_are_joined_and_cleaned),
		cmocka_unit_test(test_symlink_target_stays_as_given),
		cmocka_unit_test(test_fchmod_path_is_the_fds),
		cmocka_unit_test(test_open_kernel_path_and_failed_absolute_path),
		cmocka_unit_test(test_memfd_and_mprotect),
		cmocka_unit_test(test_out_of_record_strings_give_no_field),
	};
	int rc;

	pt = vg_proctable_new(64);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	vg_proctable_free(pt);
	return rc;
}

/* test_integrity.c — the integrity checks' judgements that need no planted kernel state:
 * what a function's first bytes say (ftrace nop, call/jump to a trampoline, int3,
 * overwritten), a sys_call_table entry against the symbols, the kallsyms reader (sorted,
 * sizes, kptr_restrict's zero addresses refused), dpkg's MD5 lines and file MD5s, and the
 * integrity record's decoding. The checks themselves run against the real host in
 * tests/e2e/test_integrity.py. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "integrity/files.h"
#include "integrity/hooks.h"
#include "integrity/internal.h"

static char *temp_file(const char *content)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/vg-unit-integrity-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

static void test_hook_kind(void **st)
{
	const uint8_t nop[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x55, 0x48, 0x89, 0xe5, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t ibt_nop[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x55, 0, 0, 0, 0, 0, 0 };
	const uint8_t ibt_call[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xe8, 0x10, 0x00, 0x00, 0x00, 0x55, 0, 0, 0, 0, 0, 0 };
	const uint8_t jump_back[] = { 0xe9, 0xfb, 0xff, 0xff, 0xff, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t int3[] = { 0xcc, 0x1f, 0x44, 0x00, 0x00, 0x55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t push[] = { 0x55, 0x48, 0x89, 0xe5, 0x41, 0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint64_t to = 0;

	(void)st;
	assert_null(vg_hook_kind(nop, sizeof(nop), true, 0x1000, &to));
	assert_null(vg_hook_kind(ibt_nop, sizeof(ibt_nop), true, 0x1000, &to));
	assert_string_equal(vg_hook_kind(ibt_call, sizeof(ibt_call), true, 0x1000, &to), "call");
	assert_int_equal(to, 0x1000 + 4 + 5 + 0x10); /* relative to the end of the call */
	assert_string_equal(vg_hook_kind(jump_back, sizeof(jump_back), true, 0x2000, &to), "jump");
	assert_int_equal(to, 0x2000); /* a jump to itself: rel -5 */
	assert_string_equal(vg_hook_kind(int3, sizeof(int3), true, 0x1000, &to), "breakpoint");
	/* a function that does not begin with the nop is overwritten only where the others do */
	assert_string_equal(vg_hook_kind(push, sizeof(push), true, 0x1000, &to), "overwritten");
	assert_null(vg_hook_kind(push, sizeof(push), false, 0x1000, &to));
	assert_null(vg_hook_kind(nop, 3, true, 0x1000, &to)); /* too short to judge */
}

static void test_kallsyms_and_table_entries(void **st)
{
	const char *path = temp_file("ffffffff81000200 T __x64_sys_write\n"
				     "ffffffff81000100 T __x64_sys_read\n"
				     "ffffffff81000300 t sys_ni_syscall\n"
				     "ffffffff82000000 D sys_call_table\n"
				     "ffffffff82000100 D some_data\n"
				     "ffffffff81000400 T evil_hook\n"
				     "garbage line\n");
	static const char *const keep[] = { "sys_call_table", NULL };
	struct vg_kallsyms k;
	char why[256];
	const struct vg_ksym *s;

	(void)st;
	assert_int_equal(vg_kallsyms_load(&k, path, keep, why, sizeof(why)), 0);
	unlink(path);
	assert_int_equal(k.n, 5); /* text symbols and the one data symbol kept */
	for (size_t i = 1; i < k.n; i++)
		assert_true(k.syms[i - 1].addr <= k.syms[i].addr);
	s = vg_kallsyms_find(&k, "__x64_sys_write");
	assert_non_null(s);
	assert_int_equal(s->addr, 0xffffffff81000200ull);
	assert_int_equal(vg_kallsyms_size(&k, s), 0x100);
	assert_null(vg_kallsyms_find(&k, "some_data"));
	s = vg_kallsyms_at(&k, 0xffffffff81000250ull);
	assert_string_equal(s->name, "__x64_sys_write");
	assert_null(vg_kallsyms_at(&k, 0x1000));

	assert_true(vg_table_entry_ok(&k, 0xffffffff81000100ull, why, sizeof(why)));
	assert_true(vg_table_entry_ok(&k, 0xffffffff81000300ull, why, sizeof(why)));
	assert_false(vg_table_entry_ok(&k, 0xffffffff81000400ull, why, sizeof(why)));
	assert_non_null(strstr(why, "evil_hook+0x0"));
	assert_false(vg_table_entry_ok(&k, 0xffffffff81000208ull, why, sizeof(why))); /* inside, not at an entry */
	assert_non_null(strstr(why, "__x64_sys_write+0x8"));
	assert_false(vg_table_entry_ok(&k, 0x1000, why, sizeof(why)));
	assert_non_null(strstr(why, "outside the kernel's symbols"));
	vg_kallsyms_free(&k);

	path = temp_file("0000000000000000 T __x64_sys_read\n0000000000000000 T __x64_sys_write\n");
	assert_int_equal(vg_kallsyms_load(&k, path, keep, why, sizeof(why)), -1);
	unlink(path);
	assert_non_null(strstr(why, "kptr_restrict"));
	assert_int_equal(vg_kallsyms_load(&k, "/nonexistent/kallsyms", keep, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/nonexistent/kallsyms"));
}

static void test_md5(void **st)
{
	uint8_t md5[16], want[16];
	uint64_t bytes = 0;
	const char *path = temp_file("hello\n");

	(void)st;
	/* md5("hello\n") */
	assert_int_equal(vg_md5_hex("b1946ac92492d2347c6235b4d2611184  usr/bin/x", want), 0);
	assert_int_equal(vg_md5_file(path, md5, &bytes), 0);
	unlink(path);
	assert_memory_equal(md5, want, 16);
	assert_int_equal(bytes, 6);
	assert_int_equal(vg_md5_hex("b1946ac92492d2347c6235b4d26111", want), -1);  /* short */
	assert_int_equal(vg_md5_hex("b1946ac92492d2347c6235b4d2611184x", want), -1); /* no separator */
	assert_int_equal(vg_md5_hex("zz946ac92492d2347c6235b4d2611184 ", want), -1);
	assert_int_equal(vg_md5_file("/nonexistent", md5, &bytes), -1);
	assert_true(vg_verified_path("usr/bin/ls"));
	assert_true(vg_verified_path("usr/lib/x86_64-linux-gnu/security/pam_unix.so"));
	assert_false(vg_verified_path("usr/share/doc/ls/copyright"));
	assert_false(vg_verified_path("etc/passwd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_kind),
		cmocka_unit_test(test_kallsyms_and_table_entries),
		cmocka_unit_test(test_md5),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

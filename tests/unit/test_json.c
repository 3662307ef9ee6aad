/* test_json.c — the JSON writer: escaping of every byte class, nesting of dotted field
 * names, lists, IPs and timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output/json.h"

static const char *str(const char *p, size_t len)
{
	static struct vg_buf b;

	vg_buf_reset(&b);
	vg_json_str(&b, p, len);
	return b.p;
}

static void test_escapes_controls_quotes_backslashes(void **state)
{
	assert_string_equal(str("a\"b\\c", 5), "\"a\\\"b\\\\\\\\c\""); /* a backslash decodes to \\ */
	assert_string_equal(str("l1\nl2\tx\r", 8), "\"l1\\nl2\\tx\\r\"");
	assert_string_equal(str("\x01\x1f", 2), "\"\\u0001\\u001f\"");
	assert_string_equal(str("nul\0x", 5), "\"nul\\u0000x\"");
}

static void test_valid_utf8_passes_invalid_bytes_are_hex(void **state)
{
	assert_string_equal(str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	assert_string_equal(str("\xff", 1), "\"\\\\xff\"");
	assert_string_equal(str("\xc3", 1), "\"\\\\xc3\"");          /* truncated sequence */
	assert_string_equal(str("\xc0\xaf", 2), "\"\\\\xc0\\\\xaf\""); /* overlong */
	assert_string_equal(str("\xed\xa0\x80", 3), "\"\\\\xed\\\\xa0\\\\x80\""); /* surrogate */
}

/* The text "\xff" and the byte 0xff must not decode to the same string. */
static void test_backslash_text_and_invalid_byte_differ(void **state)
{
	char *text = strdup(str("\\xff", 4)), *byte = strdup(str("\xff", 1));

	assert_string_equal(text, "\"\\\\\\\\xff\"");
	assert_string_equal(byte, "\"\\\\xff\"");
	assert_string_not_equal(text, byte);
	free(text);
	free(byte);
}

static void test_time_is_rfc3339_with_nanoseconds(void **state)
{
	struct vg_buf b = { 0 };

	vg_json_time(&b, 1700000000123456789ull);
	assert_string_equal(b.p, "\"2023-11-14T22:13:20.123456789Z\"");
	vg_buf_free(&b);
}

static const struct vg_field f_path = { "file.path", VG_V_STR, "" };
static const struct vg_field f_mode = { "file.mode", VG_V_INT, "" };
static const struct vg_field f_dip = { "net.dip", VG_V_IP, "" };
static const struct vg_field f_deep = { "net.peer.port", VG_V_INT, "" };
static const struct vg_field f_argv = { "exec.argv", VG_V_LIST, "" };
static const struct vg_field f_flag = { "flag", VG_V_BOOL, "" };

static void test_fields_nest_by_dotted_prefix(void **state)
{
	struct vg_kv kv[6] = {
		{ &f_path, { .type = VG_V_STR, .str = { "/a b", 4 } } },
		{ &f_mode, { .type = VG_V_INT, .i = 420 } },
		{ &f_dip, { .type = VG_V_IP, .ip = { 6, { [15] = 1 } } } },
		{ &f_deep, { .type = VG_V_INT, .i = 22 } },
		{ &f_argv, { .type = VG_V_LIST, .str = { "a\0b c\0", 6 } } },
		{ &f_flag, { .type = VG_V_BOOL, .b = true } },
	};
	struct vg_buf b = { 0 };

	vg_buf_putc(&b, '{');
	vg_buf_puts(&b, "\"k\":1");
	vg_json_fields(&b, kv, 6);
	vg_buf_putc(&b, '}');
	assert_string_equal(b.p, "{\"k\":1,\"file\":{\"path\":\"/a b\",\"mode\":420},\"net\":{\"dip\":\"::1\","
				 "\"peer\":{\"port\":22}},\"exec\":{\"argv\":[\"a\",\"b c\"]},\"flag\":true}");
	vg_buf_free(&b);
}

static void test_ipv4_and_empty_list(void **state)
{
	struct vg_value ip = { .type = VG_V_IP, .ip = { 4, { 10, 1, 2, 3 } } };
	struct vg_value empty = { .type = VG_V_LIST, .str = { "", 0 } };
	struct vg_buf b = { 0 };

	vg_json_value(&b, &ip);
	vg_json_value(&b, &empty);
	assert_string_equal(b.p, "\"10.1.2.3\"[]");
	vg_buf_free(&b);
}

static void test_buf_grows_past_initial_capacity(void **state)
{
	struct vg_buf b = { 0 };

	for (int i = 0; i < 10000; i++)
		vg_buf_printf(&b, "%04d", i % 10000);
	assert_int_equal(b.len, 40000);
	assert_memory_equal(b.p + 39996, "9999", 4);
	vg_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_controls_quotes_backslashes),
		cmocka_unit_test(test_valid_utf8_passes_invalid_bytes_are_hex),
		cmocka_unit_test(test_backslash_text_and_invalid_byte_differ),
		cmocka_unit_test(test_time_is_rfc3339_with_nanoseconds),
		cmocka_unit_test(test_fields_nest_by_dotted_prefix),
		cmocka_unit_test(test_ipv4_and_empty_list),
		cmocka_unit_test(test_buf_grows_past_initial_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

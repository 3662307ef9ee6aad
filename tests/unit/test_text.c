/* test_text.c — the text format cannot be forged: control characters, backslashes and
 * bytes that are not UTF-8 in any string an event carries (comm, exe, argv, paths, an
 * alert's rendered output) are escaped the same way, so a crafted argv can never print a
 * line of its own, let alone one that looks like an alert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "decode/fields.h"
#include "output/sink.h"
#include "output/text.h"
#include "proc/proctable.h"
#include "rules/rules.h"

static const char *text(const char *p, size_t len, bool quote)
{
	static struct vg_buf b;

	vg_buf_reset(&b);
	vg_text_str(&b, p, len, quote);
	return b.p;
}

static void test_escapes(void **state)
{
	assert_string_equal(text("a\nb\tc\rd", 7, false), "a\\nb\\tc\\rd");
	assert_string_equal(text("\x01\x1b[31m\x7f", 7, false), "\\x01\\x1b[31m\\x7f");
	assert_string_equal(text("back\\slash", 10, false), "back\\\\slash");
	assert_string_equal(text("\\x41", 4, false), "\\\\x41"); /* text that looks like an escape */
	assert_string_equal(text("\xff", 1, false), "\\xff");      /* ... is not the escape of a byte */
	assert_string_equal(text("caf\xc3\xa9", 5, false), "caf\xc3\xa9");
	/* a right-to-left override (U+202E) would show "exe.txt" as "txt.exe"; a C1 CSI (U+009B) */
	assert_string_equal(text("a\xe2\x80\xaetxt.exe", 11, false), "a\\xe2\\x80\\xaetxt.exe");
	assert_string_equal(text("\xc2\x9b" "31m", 5, false), "\\xc2\\x9b31m");
	assert_string_equal(text("\xe2\x80\x94", 3, false), "\xe2\x80\x94"); /* an em dash stays */
	assert_string_equal(text("two words", 9, true), "\"two words\"");
	assert_string_equal(text("say \"hi\"", 8, true), "\"say \\\"hi\\\"\"");
	assert_string_equal(text("", 0, true), "\"\"");
	assert_string_equal(text("plain", 5, true), "plain");
}

/* An exec whose argv, comm and exe carry a newline and a fake alert, and an alert whose
 * output repeats them: each renders as exactly one line. */
static void test_event_and_alert_stay_on_one_line(void **state)
{
	static const char argv[] = "sh\0-c\0x\n00:00:00.000 ALERT Fake [critical] pwned";
	struct vg_proctable *pt = vg_proctable_new(16);
	struct vg_proc *p = vg_proctable_insert(pt, 9700001);
	struct vg_hdr h = { .type = VG_EV_EXEC, .pid = 9700001, .size = sizeof(h) };
	struct vg_event ev = { .raw = &h, .type = VG_EV_EXEC, .proc = p, .pt = pt };
	const struct vg_event *evidence[1] = { &ev };
	struct vg_alert a = { .rule = "Rule\nALERT", .priority = VG_PRIO_WARNING, .output = "saw x\nALERT Fake",
			      .evidence = evidence, .nevidence = 1, .ev = &ev };
	struct vg_verdict v = { 0 };
	struct vg_buf b = { 0 };

	snprintf(p->comm, sizeof(p->comm), "c\nALERT");
	vg_proc_set_str(&p->exe, "/tmp/x\nALERT", 12);
	vg_event_add_str(&ev, vg_field_find("exec.argv"), argv, sizeof(argv) - 1);
	vg_text_event(&b, &ev);
	assert_null(memchr(b.p, '\n', b.len));
	assert_non_null(strstr(b.p, "x\\n00:00:00.000 ALERT Fake [critical] pwned"));
	assert_non_null(strstr(b.p, "c\\nALERT"));
	vg_buf_reset(&b);
	vg_text_alert(&b, &a, &v);
	assert_null(memchr(b.p, '\n', b.len));
	assert_non_null(strstr(b.p, "Rule\\nALERT [warning] saw x\\nALERT Fake"));
	vg_buf_free(&b);
	vg_proctable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_event_and_alert_stay_on_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

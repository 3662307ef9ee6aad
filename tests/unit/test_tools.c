/* test_tools.c — the tool framework's pure parts: log2 histograms in libbpf-tools' exact
 * format, columns as text and JSON, the "no mechanism on this kernel" reasons, and README
 * naming every tool (docs/tools.md's reference is a generated region: scripts/gendocs.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "tools/hist.h"
#include "tools/tool.h"
#include "tools/tools.h"

static void test_hist_text_matches_libbpf_tools(void **state)
{
	uint32_t slots[27] = { 0 };
	struct vg_buf b = { 0 };

	slots[0] = 1;
	slots[4] = 40;
	slots[5] = 10;
	slots[6] = 41; /* the largest count sets the scale of the bars */
	vg_hist_text(&b, slots, 27, "usecs");
	assert_string_equal(b.p,
			    "     usecs               : count    distribution\n"
			    "         0 -> 1          : 1        |                                        |\n"
			    "         2 -> 3          : 0        |                                        |\n"
			    "         4 -> 7          : 0        |                                        |\n"
			    "         8 -> 15         : 0        |                                        |\n"
			    "        16 -> 31         : 40       |*************************************** |\n"
			    "        32 -> 63         : 10       |*********                               |\n"
			    "        64 -> 127        : 41       |****************************************|\n");
	vg_buf_free(&b);
}

static void test_hist_empty_prints_nothing(void **state)
{
	uint32_t slots[27] = { 0 };
	struct vg_buf b = { 0 };

	vg_hist_text(&b, slots, 27, "usecs");
	assert_int_equal(b.len, 0);
	vg_hist_json(&b, slots, 27, "msecs");
	assert_string_equal(b.p, "\"unit\":\"msecs\",\"total\":0,\"buckets\":[]");
	vg_buf_free(&b);
}

static void test_hist_json_buckets(void **state)
{
	uint32_t slots[27] = { 0 };
	struct vg_buf b = { 0 };

	slots[1] = 2;
	slots[3] = 5;
	vg_hist_json(&b, slots, 27, "usecs");
	assert_string_equal(b.p, "\"unit\":\"usecs\",\"total\":7,\"buckets\":[{\"low\":0,\"high\":1,\"count\":0},"
				 "{\"low\":2,\"high\":3,\"count\":2},{\"low\":4,\"high\":7,\"count\":0},"
				 "{\"low\":8,\"high\":15,\"count\":5}]");
	vg_buf_free(&b);
}

static const struct vg_tool fake = { .name = "fake", .summary = "for tests" };

enum { C_PID, C_COMM, C_OFF, C_ARGS, C_COUNT };

static const struct vg_col cols[C_COUNT] = {
	[C_PID] = { "PID", "pid", -6 },
	[C_COMM] = { "COMM", "comm", -8 },
	[C_OFF] = { "OFF", "off", 4, true },
	[C_ARGS] = { "ARGS", "args", 0 },
};

static void row(struct vg_tool_ctx *t)
{
	vg_row_begin(t);
	vg_cell_int(t, C_PID, 42);
	vg_cell_str(t, C_COMM, "sh\x1b[2J");
	vg_cell_int(t, C_OFF, 7);
	vg_cell_strn(t, C_ARGS, "a \"b\"\n", 6);
	vg_row_end(t);
}

static void test_columns_text_and_json(void **state)
{
	static struct vg_tool_ctx t;

	t.tool = &fake;
	t.ev = vg_event_buf_init(&t.evbuf);
	vg_table(&t, cols, C_COUNT);
	row(&t);
	/* control characters never reach a terminal; an off column is skipped */
	assert_string_equal(t.out.p, "PID    COMM     ARGS\n"
				     "42     sh?[2J   a \"b\"?\n");
	vg_buf_reset(&t.out);
	t.json = true;
	vg_table(&t, cols, C_COUNT);
	row(&t);
	assert_string_equal(t.out.p, "{\"pid\":42,\"comm\":\"sh\\u001b[2J\",\"args\":\"a \\\"b\\\"\\n\"}\n");
	vg_buf_free(&t.out);
}

static void test_no_mechanism_reasons(void **state)
{
	struct vg_features f = { 0 };
	char why[256];

	strcpy(f.why_kprobe, "no kprobe PMU in /sys/bus/event_source/devices: kernel built without kprobe events");
	strcpy(f.why_fentry, "load: Operation not permitted");
	f.tracepoint = f.tp_btf = f.raw_tp = f.uprobe = true;
	strcpy(f.tracefs_path, "/nonexistent-tracefs");
	assert_false(vg_tool_section_available(&f, "kprobe/vfs_read", why, sizeof(why)));
	assert_string_equal(why, "kprobe: no kprobe PMU in /sys/bus/event_source/devices: kernel built without kprobe events");
	assert_false(vg_tool_section_available(&f, "fentry/vfs_unlink", why, sizeof(why)));
	assert_string_equal(why, "fentry: load: Operation not permitted");
	assert_false(vg_tool_section_available(&f, "tp/syscalls/sys_exit_openat", why, sizeof(why)));
	assert_string_equal(why, "tracepoint syscalls/sys_exit_openat is not in this kernel "
				 "(/nonexistent-tracefs/events/syscalls/sys_exit_openat)");
	assert_true(vg_tool_section_available(&f, "uretprobe", why, sizeof(why)));
	assert_false(vg_tool_section_available(&f, "xdp", why, sizeof(why)));
	assert_string_equal(why, "unknown kind of hook: xdp");
}

/* README's CLI section names every tool. */
static void test_readme_names_every_tool(void **state)
{
	char *readme = malloc(1 << 20);
	FILE *f = fopen("README.md", "r");
	const struct vg_tool *tool;
	size_t n;

	assert_non_null(f);
	n = fread(readme, 1, (1 << 20) - 1, f);
	fclose(f);
	readme[n] = 0;
	for (size_t i = 0; (tool = vg_tool_at(i)); i++)
		if (!strstr(readme, tool->name))
			fail_msg("README.md does not name the tool %s", tool->name);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_text_matches_libbpf_tools),
		cmocka_unit_test(test_hist_empty_prints_nothing),
		cmocka_unit_test(test_hist_json_buckets),
		cmocka_unit_test(test_columns_text_and_json),
		cmocka_unit_test(test_no_mechanism_reasons),
		cmocka_unit_test(test_readme_names_every_tool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

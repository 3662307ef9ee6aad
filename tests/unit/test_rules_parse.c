/* test_rules_parse.c — loading: YAML items, lists/macros/append/override across files,
 * every error with its exact file:line:col, interest sets, the CLI check/list output and
 * the field reference. */
#include <fcntl.h>
#include <unistd.h>
#include "rules/internal.h"
#include "test_rules_util.h"

#define RULE_HEAD "- rule: r\n  desc: d\n  priority: warning\n  output: o\n"

static void test_error_positions(void **state)
{
	texpect_error(RULE_HEAD "  condition: evt.type = exec and proc.nmae = bash\n",
		      "t.yaml:5:34: unknown field 'proc.nmae'");
	texpect_error(RULE_HEAD "  condition: proc.pid contains \"x\"\n",
		      "t.yaml:5:23: operator 'contains' does not apply to proc.pid (int)");
	texpect_error(RULE_HEAD "  condition: evt.type = exec and shell_procs\n",
		      "t.yaml:5:34: unknown macro or field 'shell_procs'");
	texpect_error(RULE_HEAD "  condition: proc.name in shells\n",
		      "t.yaml:5:27: unknown list 'shells'");
	texpect_error(RULE_HEAD "  condition: evt.type = exce\n",
		      "t.yaml:5:25: unknown event type 'exce'");
	texpect_error(RULE_HEAD "  condition: proc.pid = abc\n",
		      "t.yaml:5:25: proc.pid is an int: 'abc' is not a number");
	texpect_error(RULE_HEAD "  condition: proc.aname[9] = x\n",
		      "t.yaml:5:14: bad index in 'proc.aname[9]' (expected [0] to [8])");
	texpect_error(RULE_HEAD "  condition: proc.name[1] = x\n",
		      "t.yaml:5:14: field 'proc.name' takes no index");
	texpect_error(RULE_HEAD "  condition: proc.name regex \"a(\"\n",
		      "t.yaml:5:30: bad regex at offset 2: missing closing parenthesis");
	texpect_error(RULE_HEAD "  condition: proc.name\n",
		      "t.yaml:5:14: field 'proc.name' needs an operator");
	texpect_error(RULE_HEAD "  condition: proc.exe = $a.proc.exe\n",
		      "t.yaml:5:25: '$a.proc.exe': captures ($step.field) exist only in sequence steps");
	texpect_error(RULE_HEAD "  condition: stdin.raddr = 10.0.0.0/33\n",
		      "t.yaml:5:28: bad prefix length in '10.0.0.0/33'");
	texpect_error(RULE_HEAD "  condition: proc.pid = val(proc.name)\n",
		      "t.yaml:5:25: cannot compare proc.pid (int) with proc.name (string)");
}

static void test_syntax_errors(void **state)
{
	texpect_error(RULE_HEAD "  condition: (proc.name = a\n",
		      "t.yaml:5:28: expected ')', found 'end of condition'");
	texpect_error(RULE_HEAD "  condition: proc.name = a proc.pid = 1\n",
		      "t.yaml:5:28: unexpected 'proc.pid' (expected 'and', 'or' or the end)");
	texpect_error(RULE_HEAD "  condition: proc.name = a and\n",
		      "t.yaml:5:31: expected a condition, found 'end of condition'");
	texpect_error(RULE_HEAD "  condition: proc.name in (a, b\n",
		      "t.yaml:5:32: expected ',' or ')' in the list, found 'end of condition'");
	texpect_error(RULE_HEAD "  condition: 'proc.name = \"a'\n",
		      "t.yaml:5:27: unterminated string");
	texpect_error(RULE_HEAD "  condition: proc.name ! a\n",
		      "t.yaml:5:24: unknown operator '!'");
}

static void test_error_positions_across_lines(void **state)
{
	/* a folded block: the error is on the scalar's second line */
	texpect_error(RULE_HEAD "  condition: >\n    evt.type = exec and\n    proc.pid contains x\n",
		      "t.yaml:7:14: operator 'contains' does not apply to proc.pid (int)");
	/* inside a macro: the macro's own position, wherever it is used */
	texpect_error("- macro: m\n  condition: proc.name = a or\n    bogus.field = 1\n" RULE_HEAD
		      "  condition: m\n",
		      "t.yaml:3:5: unknown field 'bogus.field'");
	/* in an appended piece of condition */
	texpect_error(RULE_HEAD "  condition: proc.name = a\n- rule: r\n  append: true\n"
		      "  condition: or proc.pid contains 1\n",
		      "t.yaml:8:26: operator 'contains' does not apply to proc.pid (int)");
	/* unused macros are checked too */
	texpect_error("- macro: unused\n  condition: proc.nope = 1\n", "t.yaml:2:14: unknown field 'proc.nope'");
	texpect_error("- macro: a\n  condition: b\n- macro: b\n  condition: a\n",
		      "t.yaml:4:14: macro 'a' refers to itself");
	texpect_error("- list: a\n  items: [b]\n- list: b\n  items: [a]\n" RULE_HEAD
		      "  condition: proc.name in (a)\n",
		      "t.yaml:1:3: list 'a' includes itself");
}

static void test_item_errors(void **state)
{
	texpect_error("- rule: r\n  desc: d\n  priority: urgent\n  output: o\n  condition: proc.pid = 1\n",
		      "t.yaml:3:13: unknown priority 'urgent' (expected emergency, alert, critical, error, "
		      "warning, notice, informational or debug)");
	texpect_error(RULE_HEAD "  conditon: proc.pid = 1\n",
		      "t.yaml:5:3: unknown key 'conditon' in rule (expected rule, desc, condition, output, "
		      "priority, tags, enabled, exceptions, action, append, override, frequency, sequence)");
	texpect_error("- rule: r\n  desc: d\n  priority: warning\n  condition: proc.pid = 1\n",
		      "t.yaml:1:3: rule 'r' has no 'output'");
	texpect_error(RULE_HEAD, "t.yaml:1:3: rule 'r' has no 'condition'");
	texpect_error(RULE_HEAD "  condition: proc.pid = 1\n  action: block\n",
		      "t.yaml:6:11: unknown action 'block' (expected alert, kill or deny)");
	texpect_error("- rule: x\n  append: true\n  condition: and proc.pid = 1\n",
		      "t.yaml:1:3: rule 'x': no earlier rule of that name to append to or override");
	texpect_error("- list: l\n  items: [a]\n  append: true\n",
		      "t.yaml:1:3: list 'l': no earlier list of that name to append to or override");
	texpect_error("- rool: r\n", "t.yaml:1:3: expected an item with 'rule', 'macro' or 'list'");
	texpect_error("rule: r\n", "t.yaml:1:1: a rules file is a list of rule, macro and list items");
	texpect_error(RULE_HEAD "  condition: proc.pid = 1\n  enabled: maybe\n",
		      "t.yaml:6:12: 'enabled' must be true or false, not 'maybe'");
	texpect_error(RULE_HEAD "  condition: proc.pid = 1\n  exceptions:\n    - name: e\n"
		      "      fields: [proc.name, proc.pid]\n      values:\n        - [a]\n",
		      "t.yaml:10:11: exception 'e': each value must be a list of 2 (one per field)");
	texpect_error(RULE_HEAD "  condition: proc.pid = 1\n  exceptions:\n    - name: e\n"
		      "      fields: [proc.pid]\n      comps: [contains]\n      values:\n        - [a]\n",
		      "t.yaml:9:15: operator 'contains' does not apply to proc.pid (int)");
	texpect_error(RULE_HEAD "  output: \"%proc.nam\"\n  condition: proc.pid = 1\n",
		      "t.yaml:5:3: duplicate key 'output'");
	texpect_error("- rule: r\n  desc: d\n  priority: warning\n  output: \"pid %proc.pdi!\"\n"
		      "  condition: proc.pid = 1\n",
		      "t.yaml:4:17: unknown field 'proc.pdi'");
}

static void test_yaml_error(void **state)
{
	struct vg_rules_errors errs;

	assert_null(vg_rules_load_text("t.yaml", RULE_HEAD "  tags: [a, b\n", NULL, &errs));
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "t.yaml:"));
	assert_non_null(strstr(errs.msg[0], "YAML error"));
	vg_rules_errors_free(&errs);
}

static void test_stateful_errors(void **state)
{
	texpect_error(RULE_HEAD "  condition: evt.type = connect\n  frequency:\n    count: 0\n    window: 10s\n",
		      "t.yaml:7:12: 'count' must be a number from 1 to 10000, not '0'");
	texpect_error(RULE_HEAD "  condition: evt.type = connect\n  frequency:\n    count: 3\n    window: soon\n",
		      "t.yaml:8:13: 'window' must be a duration like 10s, 500ms, 5m or 1h, not 'soon'");
	texpect_error(RULE_HEAD "  condition: evt.type = connect\n  frequency:\n    count: 3\n    window: 1s\n"
		      "    distinct: net.nothing\n",
		      "t.yaml:9:15: unknown field 'net.nothing'");
	texpect_error(RULE_HEAD "  sequence:\n    window: 10s\n    steps:\n      - condition: evt.type = exec\n"
		      "      - condition: proc.exe = $later.proc.exe\n",
		      "t.yaml:9:31: '$later.proc.exe': no earlier step named 'later'");
	texpect_error(RULE_HEAD "  sequence:\n    window: 10s\n    steps:\n      - condition: evt.type = exec\n",
		      "t.yaml:8:7: 'steps' must be a list of 2 to 8 steps");
	texpect_error(RULE_HEAD "  sequence:\n    window: 10s\n    scope: galaxy\n    steps: []\n",
		      "t.yaml:7:12: unknown scope 'galaxy' (expected tree, parent_tree, process, session or host)");
}

static void test_file_errors(void **state)
{
	const char *paths[] = { FIXTURES "/bad_field.yaml", FIXTURES "/missing.yaml" };
	struct vg_rules_errors errs;

	assert_null(vg_rules_load(paths, 2, NULL, &errs));
	assert_int_equal(errs.n, 2);
	/* load errors first, then compile errors: all of them, not just the first */
	assert_string_equal(errs.msg[0], FIXTURES "/missing.yaml: No such file or directory");
	assert_string_equal(errs.msg[1], FIXTURES "/bad_field.yaml:3:34: unknown field 'proc.nmae'");
	vg_rules_errors_free(&errs);
}

static struct vg_ruleset *load_layered(void)
{
	const char *paths[] = { FIXTURES "/layered" };
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load(paths, 1, NULL, &errs);

	for (int i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_non_null(rs);
	vg_rules_errors_free(&errs);
	return rs;
}

static int info_index(struct vg_ruleset *rs, const char *name, struct vg_rule_info *ri)
{
	for (int i = 0; vg_rules_info(rs, i, ri); i++)
		if (!strcmp(ri->name, name))
			return i;
	fail_msg("no rule %s", name);
	return -1;
}

static void test_layered_append_override(void **state)
{
	struct vg_ruleset *rs = load_layered();
	struct vg_proctable *pt = vg_proctable_new(16);
	struct vg_proc *cron = tproc(pt, 10, 1, "cron", "/usr/sbin/cron", "cron");
	struct vg_proc *login = tproc(pt, 11, 1, "login", "/bin/login", "login");
	struct vg_rules_counts c = vg_rules_counts(rs);
	struct vg_rule_info ri;
	struct seen s = { 0 };
	struct tev t;

	assert_int_equal(c.rules, 3);
	assert_int_equal(c.macros, 2);
	assert_int_equal(c.lists, 2);
	info_index(rs, "Shell spawned", &ri);
	assert_int_equal(ri.priority, VG_PRIO_WARNING);
	assert_int_equal(ri.ntags, 4);
	assert_string_equal(ri.tags[3], "T1059.004");
	info_index(rs, "Noisy", &ri);
	assert_false(ri.enabled);
	info_index(rs, "Replace me", &ri);
	assert_int_equal(ri.priority, VG_PRIO_CRITICAL);
	assert_int_equal(ri.action, VG_ACTION_KILL);

	/* zsh was appended to a list nested in another list */
	vg_rules_eval(rs, tevent(&t, "exec", tproc(pt, 20, 11, "zsh", "/bin/zsh", "zsh"), SEC), pt, collect, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.rule[0], "Shell spawned");
	assert_string_equal(s.output[0], "Shell zsh (parent=login cmdline=zsh)");
	/* the appended condition excludes cron's shells */
	vg_rules_eval(rs, tevent(&t, "exec", tproc(pt, 21, 10, "sh", "/bin/sh", "sh -c x"), SEC), pt, collect, &s);
	assert_int_equal(s.n, 1);
	/* the replaced rule has the new condition */
	vg_rules_eval(rs, tevent(&t, "exec", tproc(pt, 22, 11, "curl", "/usr/bin/curl", "curl x"), SEC), pt,
		      collect, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rule[1], "Replace me");
	assert_int_equal(s.action[1], VG_ACTION_KILL);
	(void)cron;
	(void)login;
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void test_interest(void **state)
{
	struct vg_ruleset *rs = tload(
		"- rule: a\n  desc: d\n  priority: notice\n  output: o\n  condition: evt.type = exec and proc.pid > 1\n"
		"- rule: b\n  desc: d\n  priority: notice\n  output: o\n"
		"  condition: (evt.type in (connect, bind) and proc.pid > 1) or (evt.type = dns)\n"
		"- rule: c\n  desc: d\n  priority: notice\n  output: o\n  condition: evt.type = ptrace\n  enabled: false\n");
	uint64_t want = 1ull << VG_EV_EXEC | 1ull << VG_EV_CONNECT | 1ull << VG_EV_BIND | 1ull << VG_EV_DNS;

	assert_int_equal(vg_rules_interest(rs), want);
	vg_ruleset_free(rs);

	rs = tload(RULE_HEAD "  condition: evt.type != exec\n");
	assert_int_equal(vg_rules_interest(rs), ALL_TYPES & ~(1ull << VG_EV_EXEC));
	vg_ruleset_free(rs);

	rs = tload(RULE_HEAD "  condition: not (evt.type = exec and proc.pid = 1)\n");
	assert_int_equal(vg_rules_interest(rs), ALL_TYPES);
	vg_ruleset_free(rs);

	rs = tload(RULE_HEAD "  sequence:\n    window: 5s\n    steps:\n      - condition: evt.type = memfd_create\n"
		   "      - condition: evt.type = exec and proc.exe_deleted = true\n");
	assert_int_equal(vg_rules_interest(rs), 1ull << VG_EV_MEMFD | 1ull << VG_EV_EXEC);
	vg_ruleset_free(rs);

	/* min_priority disables less severe rules, and their types drop out */
	struct vg_rules_opts o = { .min_priority = VG_PRIO_WARNING };
	struct vg_rules_errors errs;

	rs = vg_rules_load_text("t.yaml",
				"- rule: a\n  desc: d\n  priority: notice\n  output: o\n  condition: evt.type = exec\n"
				"- rule: b\n  desc: d\n  priority: error\n  output: o\n  condition: evt.type = bind\n",
				&o, &errs);
	assert_non_null(rs);
	assert_int_equal(vg_rules_interest(rs), 1ull << VG_EV_BIND);
	vg_ruleset_free(rs);
}

static void test_reload_keeps_old(void **state)
{
	struct vg_ruleset *old = tload(RULE_HEAD "  condition: evt.type = exec\n"), *next;
	struct vg_proctable *pt = vg_proctable_new(4);
	struct vg_rules_errors errs;
	struct tev t;

	next = vg_rules_load_text("t.yaml", RULE_HEAD "  condition: evt.type = nope\n", NULL, &errs);
	assert_null(next);
	vg_rules_errors_free(&errs);
	assert_int_equal(vg_rules_eval(old, tevent(&t, "exec", tproc(pt, 5, 1, "a", "/a", "a"), SEC), pt, NULL, NULL), 1);
	vg_ruleset_free(old);
	vg_proctable_free(pt);
}

/* Runs fn with stdout and stderr sent to a buffer. */
static int capture(int (*fn)(int, char **), int argc, char **argv, char *out, size_t len)
{
	char path[] = "/tmp/vigil-rules-XXXXXX";
	int fd = mkstemp(path), o = dup(1), e = dup(2), rc;
	ssize_t n;

	fflush(stdout);
	fflush(stderr);
	dup2(fd, 1);
	dup2(fd, 2);
	rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(o, 1);
	dup2(e, 2);
	close(o);
	close(e);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
	return rc;
}

static void test_cli(void **state)
{
	char out[8192];
	char *ok[] = { "check", FIXTURES "/layered", FIXTURES "/stateful.yaml" };
	char *bad[] = { "check", FIXTURES "/bad_field.yaml" };
	char *list[] = { "list", "--rules", FIXTURES "/layered" };

	assert_int_equal(capture(vg_rules_cmd_check, 3, ok, out, sizeof(out)), 0);
	assert_string_equal(out, "ok: 10 rules, 2 macros, 2 lists\n");
	assert_int_equal(capture(vg_rules_cmd_check, 2, bad, out, sizeof(out)), 1);
	assert_string_equal(out, FIXTURES "/bad_field.yaml:3:34: unknown field 'proc.nmae'\n");
	assert_int_equal(capture(vg_rules_cmd_list, 3, list, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "Shell spawned  warning        rule       yes      exec"));
	assert_non_null(strstr(out, "process,mitre_execution,T1059,T1059.004"));
	assert_non_null(strstr(out, "Noisy          debug          rule       no "));
}

static void test_fields_doc_lists_every_field(void **state)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);
	const struct vg_field *ef;
	char want[160];

	vg_rules_fields_markdown(f);
	fclose(f);
	for (size_t i = 0; i < hdr_nfields; i++) {
		snprintf(want, sizeof(want), "| `%s", hdr_fields[i].name);
		if (!strstr(doc, want))
			fail_msg("header field %s missing", hdr_fields[i].name);
	}
	for (size_t i = 0; (ef = vg_field_at(i)); i++) {
		snprintf(want, sizeof(want), "| `%s` | ", ef->name);
		if (!strstr(doc, want))
			fail_msg("event field %s missing", ef->name);
	}
	assert_non_null(strstr(doc, "| `proc.aname[N]` | string |"));
	assert_non_null(strstr(doc, "| `parent.exe` | string | parent's path of the executable image |"));
	free(doc);
}

static void test_every_field_compiles(void **state)
{
	const struct vg_field *ef;
	char yaml[512];
	struct vg_ruleset *rs;

	for (size_t i = 0; i < hdr_nfields; i++) {
		snprintf(yaml, sizeof(yaml), RULE_HEAD "  condition: %s exists\n", hdr_fields[i].name);
		rs = tload(yaml);
		vg_ruleset_free(rs);
		snprintf(yaml, sizeof(yaml), RULE_HEAD "  condition: '%s'\n", hdr_fields[i].example);
		rs = tload(yaml);
		vg_ruleset_free(rs);
	}
	for (size_t i = 0; (ef = vg_field_at(i)); i++) {
		snprintf(yaml, sizeof(yaml), RULE_HEAD "  condition: %s exists\n", ef->name);
		rs = tload(yaml);
		vg_ruleset_free(rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_error_positions_across_lines),
		cmocka_unit_test(test_item_errors),
		cmocka_unit_test(test_yaml_error),
		cmocka_unit_test(test_stateful_errors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_layered_append_override),
		cmocka_unit_test(test_interest),
		cmocka_unit_test(test_reload_keeps_old),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_fields_doc_lists_every_field),
		cmocka_unit_test(test_every_field_compiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

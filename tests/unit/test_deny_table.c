/* test_deny_table.c — deny rules from the YAML to the decision: what the pushdown pins, the
 * load errors of a deny the permission path cannot decide, the deny table's decisions by
 * path (exact, below a prefix, on component boundaries), by inode (a hard link) and from an
 * open descriptor, and the alert a decision becomes. */
#include <fcntl.h>
#include <unistd.h>
#include "enforce/internal.h"
#include "loader/loader.h"
#include "test_rules_util.h"

#define DENY_RULES                                                                                 \
	"- rule: No drops\n"                                                                       \
	"  desc: d\n"                                                                              \
	"  condition: evt.type = exec and proc.exe pmatch (/tmp/drop, /var/tmp/x/)\n"              \
	"  output: \"denied %%exec.filename\"\n"                                                    \
	"  priority: critical\n"                                                                   \
	"  action: deny\n"                                                                         \
	"- rule: No secret\n"                                                                      \
	"  desc: d\n"                                                                              \
	"  condition: evt.type = open and file.path in (%s, /etc/shadow)\n"                        \
	"  output: \"denied %%file.path by %%proc.name\"\n"                                        \
	"  priority: critical\n"                                                                   \
	"  action: deny\n"                                                                         \
	"- rule: Watch\n"                                                                          \
	"  desc: d\n"                                                                              \
	"  condition: evt.type = exec and proc.name = nc\n"                                        \
	"  output: o\n"                                                                            \
	"  priority: notice\n"

static char dir[64], secret[96];

static int setup(void **state)
{
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/vigil-unit-deny-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	fd = open(secret, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	char link[128];

	snprintf(link, sizeof(link), "%s/link", dir);
	unlink(link);
	unlink(secret);
	rmdir(dir);
	return 0;
}

static struct vg_ruleset *deny_ruleset(void)
{
	static char text[2048];

	snprintf(text, sizeof(text), DENY_RULES, secret);
	return tload(text);
}

static void test_pushdown_lists_what_deny_rules_pin(void **state)
{
	struct vg_ruleset *rs = deny_ruleset();
	struct vg_deny_pin pins[8];
	int n = vg_rules_deny_pins(rs, pins, 8);

	assert_int_equal(n, 4);
	assert_string_equal(pins[0].rule, "No drops");
	assert_int_equal(pins[0].kind, VG_DENY_EXEC);
	assert_true(pins[0].prefix);
	assert_string_equal(pins[0].path, "/tmp/drop");
	assert_string_equal(pins[2].rule, "No secret");
	assert_int_equal(pins[2].kind, VG_DENY_OPEN);
	assert_false(pins[2].prefix);
	assert_string_equal(pins[3].path, "/etc/shadow");
	/* deny rules attach no hooks of their own: only the alert rule counts */
	assert_int_equal(vg_rules_interest(rs), 1ull << VG_EV_EXEC);
	vg_ruleset_free(rs);
}

static void test_a_deny_the_permission_path_cannot_decide_is_a_load_error(void **state)
{
	static const char *const bad[] = {
		"evt.type = exec and proc.exe = /tmp/x and user.name = bob", /* another conjunct */
		"evt.type = open and proc.exe = /bin/cat",                 /* open, but not by file.path */
		"evt.type = exec and proc.exe startswith /tmp",            /* not a path match */
		"evt.type in (exec, open) and proc.exe = /tmp/x",          /* two kinds at once */
	};
	char text[512], want[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vg_rules_errors errs;

		snprintf(text, sizeof(text),
			 "- rule: Bad\n  desc: d\n  condition: %s\n  output: o\n  priority: info\n  action: deny\n", bad[i]);
		assert_null(vg_rules_load_text("t.yaml", text, NULL, &errs));
		assert_true(errs.n >= 1);
		snprintf(want, sizeof(want), "t.yaml:6:11: rule 'Bad': action deny needs");
		if (strncmp(errs.msg[0], want, strlen(want)) != 0)
			fail_msg("%s: got '%s'", bad[i], errs.msg[0]);
		vg_rules_errors_free(&errs);
	}
	texpect_error("- rule: Rel\n  desc: d\n  condition: evt.type = exec and proc.exe = tmp/x\n  output: o\n"
		      "  priority: info\n  action: deny\n",
		      "t.yaml:6:11: rule 'Rel': action deny needs absolute paths, not 'tmp/x'");
}

static void test_table_decides_by_path_and_by_inode(void **state)
{
	struct vg_ruleset *rs = deny_ruleset();
	char why[256], alias[128], path[VG_PATH_MAX];
	struct deny_table *t = deny_table_build(rs, why, sizeof(why));
	const struct deny_entry *d;
	struct vg_inode_key key;
	bool ok;
	int fd;

	assert_non_null(t);
	assert_int_equal(t->n, 4);
	d = deny_by_path(t, VG_DENY_EXEC, "/tmp/drop/a/b");
	assert_non_null(d);
	assert_string_equal(d->rule, "No drops");
	assert_non_null(deny_by_path(t, VG_DENY_EXEC, "/tmp/drop"));
	assert_non_null(deny_by_path(t, VG_DENY_EXEC, "/var/tmp/x/y")); /* the trailing '/' normalised */
	assert_null(deny_by_path(t, VG_DENY_EXEC, "/tmp/dropper"));      /* a component boundary */
	assert_null(deny_by_path(t, VG_DENY_OPEN, "/tmp/drop/a"));       /* another kind */
	assert_non_null(deny_by_path(t, VG_DENY_OPEN, "/etc/shadow"));
	assert_null(deny_by_path(t, VG_DENY_OPEN, "/etc/shadow-"));
	/* a hard link has another path and the same inode */
	snprintf(alias, sizeof(alias), "%s/link", dir);
	assert_int_equal(link(secret, alias), 0);
	assert_int_equal(vg_inode_key_of(alias, &key), 0);
	d = deny_by_key(t, VG_DENY_OPEN, &key);
	assert_non_null(d);
	assert_string_equal(d->path, secret);
	assert_null(deny_by_key(t, VG_DENY_EXEC, &key));
	/* from an open descriptor, as the permission event hands it over */
	fd = open(alias, O_RDONLY);
	assert_true(fd >= 0);
	assert_non_null(deny_decide_fd(t, VG_DENY_OPEN, fd, path, sizeof(path), &ok));
	assert_true(ok);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	assert_null(deny_decide_fd(t, VG_DENY_OPEN, fd, path, sizeof(path), &ok));
	assert_true(ok);
	assert_string_equal(path, "/dev/null");
	close(fd);
	deny_table_free(t);
	vg_ruleset_free(rs);
}

static void test_a_decision_becomes_an_alert_of_its_rule(void **state)
{
	struct vg_ruleset *rs = deny_ruleset();
	struct vg_proctable *pt = vg_proctable_new(64);
	struct vg_proc *p = tproc(pt, 4242, 1, "cat", "/usr/bin/cat", "cat /etc/shadow");
	struct vg_event *ev;
	struct seen s = { 0 };
	struct tev t;

	ev = tevent(&t, "open", p, 10 * SEC);
	t.hdr.ret = -1;
	tadd_str(ev, "file.path", "/etc/shadow");
	assert_int_equal(vg_rules_alert(rs, "No secret", ev, pt, collect, &s), 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.rule[0], "No secret");
	assert_int_equal(s.action[0], VG_ACTION_DENY);
	assert_string_equal(s.output[0], "denied /etc/shadow by cat");
	assert_non_null(strstr(s.evidence0[0], "\"file\":{\"path\":\"/etc/shadow\"}"));
	/* a rule a reload removed names nothing */
	assert_int_equal(vg_rules_alert(rs, "Gone", ev, pt, collect, &s), 0);
	/* deny rules are not evaluated per event: the decision was taken on the permission path */
	assert_int_equal(vg_rules_eval(rs, ev, pt, collect, &s), 0);
	vg_proctable_free(pt);
	vg_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pushdown_lists_what_deny_rules_pin),
		cmocka_unit_test(test_a_deny_the_permission_path_cannot_decide_is_a_load_error),
		cmocka_unit_test(test_table_decides_by_path_and_by_inode),
		cmocka_unit_test(test_a_decision_becomes_an_alert_of_its_rule),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

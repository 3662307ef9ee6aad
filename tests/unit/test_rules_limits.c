/* test_rules_limits.c — hostile rule files: every one either compiles within the budgets of
 * internal.h or is refused at file:line:col naming the budget, never a crash, a hang or
 * gigabytes (the files of rules_fixtures/hostile reproduce the loader bugs found by
 * fuzzing); evaluation cost is bounded by the compiled cost; glob is never exponential;
 * a regex that hits PCRE2's match limit is an alert tagged regex_limit, counted on its
 * rule, and never a silent miss. */
#include <fnmatch.h>
#include "rules/internal.h"
#include "test_rules_util.h"

#define HOSTILE FIXTURES "/hostile/"
#define RULE_HEAD "- rule: r\n  desc: d\n  priority: warning\n  output: o\n"

static struct vg_proctable *pt;

/* The first error of loading path (NULL when it loads); the ruleset is freed. */
static char *first_error(const char *path, const char *text)
{
	static char msg[1024];
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = path ? vg_rules_load(&path, 1, NULL, &errs) : vg_rules_load_text("t.yaml", text, NULL, &errs);
	bool failed = rs == NULL;

	assert_true(failed == (errs.n > 0));
	snprintf(msg, sizeof(msg), "%s", errs.n ? errs.msg[0] : "");
	vg_rules_errors_free(&errs);
	vg_ruleset_free(rs);
	return failed ? msg : NULL;
}

static void expect_prefix(const char *got, const char *want)
{
	if (!got || strncmp(got, want, strlen(want)) != 0)
		fail_msg("got  '%s'\nwant '%s...'", got ? got : "(loaded)", want);
}

static void test_repro_files(void **state)
{
	expect_prefix(first_error(HOSTILE "r1_macro_nocond.yaml", NULL),
		      HOSTILE "r1_macro_nocond.yaml:1:3: macro 'm' has no 'condition'");
	expect_prefix(first_error(HOSTILE "r2_freq_by400.yaml", NULL),
		      HOSTILE "r2_freq_by400.yaml:9:9: at most 16 'by' fields, not 400");
	assert_null(first_error(HOSTILE "r2_freq_by6.yaml", NULL));
	assert_null(first_error(HOSTILE "r3_list_empty_sub.yaml", NULL));
	expect_prefix(first_error(HOSTILE "list_exp.yaml", NULL),
		      HOSTILE "list_exp.yaml:13:3: list 'l6' expands to 1000000 items, nested lists included "
		      "(limit VG_MAX_LIST_ITEMS");
	expect_prefix(first_error(HOSTILE "macro_exp_and.yaml", NULL),
		      HOSTILE "macro_exp_and.yaml:30:18: condition of 32771 nodes and constants once macros and "
		      "lists are expanded (limit VG_MAX_COND_COST");
	expect_prefix(first_error(HOSTILE "macro_exp_not.yaml", NULL),
		      HOSTILE "macro_exp_not.yaml:26:23: condition of 20476 nodes");
	assert_null(first_error(HOSTILE "redos2.yaml", NULL));
}

/* a big buffer of n copies of piece between head and tail */
static char *repeat(const char *head, const char *piece, int n, const char *tail)
{
	size_t hl = strlen(head), pl = strlen(piece), tl = strlen(tail);
	char *s = malloc(hl + pl * n + tl + 1), *p = s;

	assert_non_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (int i = 0; i < n; i++, p += pl)
		memcpy(p, piece, pl);
	memcpy(p, tail, tl + 1);
	return s;
}

static void expect_text(char *yaml, const char *want)
{
	expect_prefix(first_error(NULL, yaml), want);
	free(yaml);
}

static void test_nesting_is_bounded_without_recursion_past_it(void **state)
{
	char *open = repeat("", "(", 50000, ""), *close = repeat("", ")", 50000, "'\n"), *yaml;

	/* 50k parentheses: the parser stops at the 101st */
	yaml = malloc(strlen(open) + strlen(close) + 200);
	sprintf(yaml, RULE_HEAD "  condition: '%sproc.name = x%s", open, close);
	expect_text(yaml, "t.yaml:5:115: condition nested deeper than 100 levels (limit VG_MAX_DEPTH)");
	free(open);
	free(close);
	expect_text(repeat(RULE_HEAD "  condition: '", "not ", 50000, "proc.name = x'\n"),
		    "t.yaml:5:415: condition nested deeper than 100 levels (limit VG_MAX_DEPTH)");
	expect_text(repeat("", "[", 50000, "\n"), "t.yaml:1:65: YAML nested deeper than 64 levels (limit VG_MAX_YAML_DEPTH)");
	/* each macro adds two levels (not, or) to the one it uses: m50 is 101 deep */
	yaml = malloc(60 * 64 + 200);
	strcpy(yaml, "- macro: m0\n  condition: proc.name = x\n");
	for (int i = 1; i < 60; i++)
		sprintf(yaml + strlen(yaml), "- macro: m%d\n  condition: not (m%d or proc.pid = %d)\n", i, i - 1, i);
	strcat(yaml, RULE_HEAD "  condition: m59\n");
	expect_text(yaml, "t.yaml:102:14: condition nested deeper than 100 levels once macros are expanded "
		    "(limit VG_MAX_DEPTH)");
}

static void test_size_is_bounded(void **state)
{
	char *yaml;

	/* a chain of 100k terms is wide, not deep: refused by count, not by the stack */
	yaml = repeat(RULE_HEAD "  condition: 'proc.pid = 0", " and proc.name = x", 100000, "'\n");
	expect_prefix(first_error(NULL, yaml), "t.yaml:5:");
	assert_non_null(strstr(first_error(NULL, yaml), "condition of more than 20000 terms (limit VG_MAX_COND_COST)"));
	free(yaml);
	/* too many YAML nodes, counted before libyaml builds the document */
	yaml = repeat("[", "a,", 600000, "a]\n");
	assert_non_null(strstr(first_error(NULL, yaml), "YAML nodes (limit VG_MAX_YAML_NODES)"));
	free(yaml);
	/* an alias repeats a 1 MB list: the text read out of the YAML is bounded */
	yaml = repeat("- list: big\n  items: &a [", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,",
		      10000, "x]\n");
	{
		char *more = repeat(yaml, "- list: big\n  append: true\n  items: *a\n", 700, "");

		assert_non_null(strstr(first_error(NULL, more), "(limit VG_MAX_SOURCE_BYTES"));
		free(more);
	}
	free(yaml);
}

/* The largest not-chain the budget admits evaluates in bounded cost: its compiled cost is
 * below VG_MAX_COND_COST, and that cost is what evaluation can visit. */
static void test_accepted_macros_cost_what_they_say(void **state)
{
	char yaml[4096] = "- macro: m0\n  condition: proc.name = x\n";
	struct vg_ruleset *rs;
	struct tev t;
	struct vg_proc *p = tproc(pt, 500, 1, "x", "/bin/x", "x");

	for (int i = 1; i <= 11; i++)
		sprintf(yaml + strlen(yaml), "- macro: m%d\n  condition: not (m%d and not m%d)\n", i, i - 1, i - 1);
	strcat(yaml, RULE_HEAD "  condition: evt.type = exec and m11\n");
	rs = tload(yaml); /* m12 would cost 20476 (macro_exp_not.yaml) */
	assert_true(rs->rules[0].cond->cost <= VG_MAX_COND_COST);
	assert_true(rs->rules[0].cond->cost > 2048); /* 2^11 uses of m0, all counted */
	assert_true(rs->rules[0].cond->depth <= VG_MAX_DEPTH);
	assert_int_equal(vg_rules_eval(rs, tevent(&t, "exec", p, SEC), pt, NULL, NULL), 1);
	vg_ruleset_free(rs);
}

static void test_loader_shapes_that_crashed(void **state)
{
	/* a macro whose condition is not a string defines nothing that later stages trip on */
	expect_prefix(first_error(NULL, "- macro: m\n  condition: [a]\n" RULE_HEAD "  condition: m\n"),
		      "t.yaml:2:14: 'condition' must be a string");
	/* frequency.by within the limit groups by every field */
	assert_null(first_error(NULL, RULE_HEAD "  condition: evt.type = exec\n  frequency:\n    count: 2\n"
				"    window: 10s\n    by: [proc.name, proc.pid, proc.ppid, proc.exe, proc.cwd, user.uid, "
				"proc.sid, proc.pgid, proc.tty, user.gid, proc.cmdline, container.id, proc.pname, "
				"proc.pexe, user.euid, proc.tid]\n"));
	expect_prefix(first_error(NULL, RULE_HEAD "  condition: evt.type = exec\n  frequency:\n    count: 2\n"
				  "    window: 1e300h\n"),
		      "t.yaml:8:13: 'window' must be a duration");
	expect_prefix(first_error(NULL, RULE_HEAD "  condition: evt.type = exec\n  frequency:\n    count: 2\n"
				  "    window: nan\n"),
		      "t.yaml:8:13: 'window' must be a duration");
	expect_prefix(first_error(NULL, RULE_HEAD "  condition: evt.type = exec\n  exceptions:\n    - name: e\n"
				  "      fields: []\n      values: [[]]\n"),
		      "t.yaml:8:15: exception 'e': 'fields' is empty");
	/* an empty list inside another: a list of nothing, which matches nothing */
	{
		struct vg_ruleset *rs = tload("- list: e\n  items: []\n- list: l\n  items: [e]\n" RULE_HEAD
					      "  condition: proc.name in (l)\n");
		struct tev t;

		assert_int_equal(vg_rules_eval(rs, tevent(&t, "exec", vg_proctable_get(pt, 500), SEC), pt, NULL, NULL), 0);
		vg_ruleset_free(rs);
	}
}

/* Found by fuzzing (tests/fuzz/regressions/rules): 100,000 copies of one value from nested
 * lists made one probe chain of the hashed `in` set, 5e9 probes at load. */
static void test_hashed_in_with_repeated_values_is_linear(void **state)
{
	struct vg_ruleset *rs = tload("- list: l0\n  items: [a]\n"
				      "- list: l1\n  items: [l0, l0, l0, l0, l0, l0, l0, l0, l0, l0]\n"
				      "- list: l2\n  items: [l1, l1, l1, l1, l1, l1, l1, l1, l1, l1]\n"
				      "- list: l3\n  items: [l2, l2, l2, l2, l2, l2, l2, l2, l2, l2]\n"
				      "- list: l4\n  items: [l3, l3, l3, l3, l3, l3, l3, l3, l3, l3]\n"
				      "- list: l5\n  items: [l4, l4, l4, l4, l4, l4, l4, l4, l4, l4]\n" RULE_HEAD
				      "  condition: evt.type = exec and proc.name in (l5, b)\n");
	struct tev t;

	assert_non_null(rs->rules[0].cond->kids[1]->set);
	assert_int_equal(vg_rules_eval(rs, tevent(&t, "exec", vg_proctable_get(pt, 500), SEC), pt, NULL, NULL), 0);
	assert_int_equal(vg_rules_eval(rs, tevent(&t, "exec", tproc(pt, 501, 1, "b", "/b", "b"), SEC), pt, NULL, NULL), 1);
	vg_ruleset_free(rs);
}

static void test_errors_are_capped(void **state)
{
	char *yaml = repeat("", "- rool: r\n", 300, "");
	struct vg_rules_errors errs;

	assert_null(vg_rules_load_text("t.yaml", yaml, NULL, &errs));
	assert_int_equal(errs.n, VG_MAX_ERRORS + 1);
	assert_string_equal(errs.msg[VG_MAX_ERRORS],
			    "t.yaml:101:3: more errors; only the first 100 are shown (limit VG_MAX_ERRORS)");
	vg_rules_errors_free(&errs);
	free(yaml);
}

/* glob_match agrees with fnmatch(3) (flags 0) and stays polynomial where fnmatch is not. */
static void test_glob_is_fnmatch_without_exponential_backtracking(void **state)
{
	static const char *const pats[] = {
		"*", "a*", "*b", "a*b*c", "?", "??x", "[abc]*", "[!a]*", "[^a]*", "[a-c]x", "[]]", "[!]]", "[a-]",
		"\\*", "a\\?b", "[[:digit:]]*", "[[:alpha:][:digit:]]?", "*[", "[abc", "/etc/*.conf", "*/.ssh/*",
		"a**b", "*a*a*b",
	};
	static const char *const subjects[] = {
		"", "a", "b", "ab", "abc", "axbxc", "x", "zzx", "cx", "]", "-", "*", "a?b", "9z", "/etc/x.conf",
		"/home/u/.ssh/id_rsa", "[", "[abc", "aab", "a/b",
	};
	char big[4097];

	for (size_t p = 0; p < sizeof(pats) / sizeof(pats[0]); p++)
		for (size_t s = 0; s < sizeof(subjects) / sizeof(subjects[0]); s++)
			if (glob_match(pats[p], subjects[s], strlen(subjects[s])) != (fnmatch(pats[p], subjects[s], 0) == 0))
				fail_msg("glob '%s' on '%s' differs from fnmatch", pats[p], subjects[s]);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	/* exponential for a backtracking matcher; O(pattern x subject) here */
	assert_false(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", big, sizeof(big) - 1));
	assert_true(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", big, sizeof(big) - 1));
	/* a set of 2,000 unclosed "[:" is scanned in time linear in its length */
	{
		char *colons = repeat("*[", "[:", 2000, "]b");

		assert_false(glob_match(colons, big, sizeof(big) - 1));
		free(colons);
	}
}

/* ---- regex limits ---- */
struct tagged {
	int n;
	char rule[8][64];
	bool limit[8];
};

static void collect_tags(const struct vg_alert *a, void *ctx)
{
	struct tagged *t = ctx;

	if (t->n == 8)
		return;
	snprintf(t->rule[t->n], sizeof(t->rule[0]), "%s", a->rule);
	t->limit[t->n] = false;
	for (int i = 0; i < a->ntags; i++)
		t->limit[t->n] |= strcmp(a->tags[i], VG_TAG_REGEX_LIMIT) == 0;
	t->n++;
}

static uint64_t regex_limits(const struct vg_ruleset *rs, const char *rule)
{
	struct vg_rule_info ri;

	for (int i = 0; vg_rules_info(rs, i, &ri); i++)
		if (strcmp(ri.name, rule) == 0)
			return ri.regex_limits;
	fail_msg("no rule %s", rule);
	return 0;
}

static struct vg_proc *proc_with_args(pid_t pid, const char *comm, const char *arg1)
{
	struct vg_proc *p = tproc(pt, pid, 1, comm, "/bin/true", "x");
	size_t n = strlen(comm) + 1 + strlen(arg1) + 1;
	char *argv = malloc(n);

	assert_non_null(argv);
	memcpy(argv, comm, strlen(comm) + 1);
	memcpy(argv + strlen(comm) + 1, arg1, strlen(arg1) + 1);
	vg_proc_set_argv(p, argv, n);
	free(argv);
	return p;
}

static void test_redos_costs_a_bounded_match_and_alerts(void **state)
{
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load((const char *const[]){ HOSTILE "redos2.yaml" }, 1, NULL, &errs);
	static char arg[4097];
	struct tagged t = { 0 };
	struct tev ev;
	struct vg_proc *p;
	const struct node *re = NULL;

	assert_non_null(rs);
	/* (a+)+$ on 4 KB of a's, then "! ac": PCRE2 itself stops at our match limit */
	memset(arg, 'a', sizeof(arg) - 1);
	memcpy(arg + sizeof(arg) - 5, "! ac", 4);
	p = proc_with_args(600, "true", arg);
	for (const struct node *n = rs->rules[0].cond; n->kind == NK_AND && !re; n = n->kids[n->n - 1])
		re = n->kids[n->n - 1]->kind == NK_CMP ? n->kids[n->n - 1] : NULL;
	assert_non_null(re);
	assert_int_equal(re->op, OP_REGEX);
	assert_int_equal(pcre2_match(re->re, (PCRE2_SPTR)p->cmdline, strlen(p->cmdline), 0, 0, rs->md, rs->mctx),
			 PCRE2_ERROR_MATCHLIMIT);
	/* through the engine: both rules alert, tagged, and each counts one limited match;
	 * "evadable" was the dodge: the long a-run before "ac" made (a+)+c give up as "no match" */
	assert_int_equal(vg_rules_eval(rs, tevent(&ev, "exec", p, SEC), pt, collect_tags, &t), 2);
	assert_string_equal(t.rule[0], "redos");
	assert_string_equal(t.rule[1], "evadable");
	assert_true(t.limit[0] && t.limit[1]);
	assert_int_equal(regex_limits(rs, "redos"), 1);
	assert_int_equal(regex_limits(rs, "evadable"), 1);
	/* a plain match is not tagged */
	t.n = 0;
	p = proc_with_args(601, "true", "xaac");
	assert_int_equal(vg_rules_eval(rs, tevent(&ev, "exec", p, 2 * SEC), pt, collect_tags, &t), 1);
	assert_string_equal(t.rule[0], "evadable");
	assert_false(t.limit[0]);
	assert_int_equal(regex_limits(rs, "evadable"), 1);
	vg_ruleset_free(rs);
}

/* Unknown is neither true nor false: a negated regex alerts too, and a conjunct that is
 * false still decides. */
static void test_limit_is_three_valued(void **state)
{
	struct vg_ruleset *rs = tload(RULE_HEAD "  condition: evt.type = exec and not proc.cmdline regex \"(a+)+$\"\n"
				      "- rule: other_process\n  desc: d\n  priority: warning\n  output: o\n"
				      "  condition: proc.cmdline regex \"(a+)+$\" and proc.name = nobody\n"
				      "- rule: either\n  desc: d\n  priority: warning\n  output: o\n"
				      "  condition: proc.name = nobody or proc.cmdline regex \"(a+)+$\"\n");
	static char arg[4097];
	struct tagged t = { 0 };
	struct tev ev;

	memset(arg, 'a', sizeof(arg) - 2);
	arg[sizeof(arg) - 2] = '!';
	assert_int_equal(vg_rules_eval(rs, tevent(&ev, "exec", proc_with_args(602, "true", arg), SEC), pt,
				       collect_tags, &t), 2);
	assert_string_equal(t.rule[0], "r");
	assert_string_equal(t.rule[1], "either");
	assert_true(t.limit[0] && t.limit[1]);
	assert_int_equal(regex_limits(rs, "other_process"), 0);
	vg_ruleset_free(rs);
}

/* What PCRE2 counts for a match: the least match limit that lets it finish. */
static uint32_t match_steps(pcre2_code *re, const char *s, size_t len, pcre2_match_data *md)
{
	pcre2_match_context *m = pcre2_match_context_create(NULL);
	uint32_t lo = 1, hi = VG_REGEX_MATCH_LIMIT(len);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		pcre2_set_match_limit(m, mid);
		if (pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, m) == PCRE2_ERROR_MATCHLIMIT)
			lo = mid + 1;
		else
			hi = mid;
	}
	pcre2_match_context_free(m);
	return lo;
}

/* The default rules' regexes need far less than the limit, also on 4 KB subjects built to
 * make them backtrack: the limit only ever fires on pathological patterns or input. */
static void test_default_rules_regexes_have_headroom(void **state)
{
	static const char *const motifs[] = { "/.ssh/", "a -b /", "a", "/tmp/.", "ab/_history", "- ", "/../" };
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load((const char *const[]){ "rules" }, 1, NULL, &errs);
	static char subject[4096];

	for (size_t m = 0; m < sizeof(motifs) / sizeof(motifs[0]); m++) {
		for (size_t i = 0; i < sizeof(subject); i++)
			subject[i] = motifs[m][i % strlen(motifs[m])];
		for (int r = 0; r < rs->nregex; r++) {
			uint32_t steps = match_steps(rs->regex[r], subject, sizeof(subject), rs->md);

			if (steps > VG_REGEX_MATCH_LIMIT(sizeof(subject)) / 4)
				fail_msg("regex %d needs %u of the %u steps on '%s'...", r, steps,
					 VG_REGEX_MATCH_LIMIT(sizeof(subject)), motifs[m]);
		}
	}
	vg_ruleset_free(rs);
}

static int setup(void **state)
{
	pt = vg_proctable_new(64);
	tproc(pt, 1, 0, "systemd", "/usr/lib/systemd/systemd", "/sbin/init");
	tproc(pt, 500, 1, "x", "/bin/x", "x");
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
		cmocka_unit_test(test_repro_files),
		cmocka_unit_test(test_nesting_is_bounded_without_recursion_past_it),
		cmocka_unit_test(test_size_is_bounded),
		cmocka_unit_test(test_accepted_macros_cost_what_they_say),
		cmocka_unit_test(test_loader_shapes_that_crashed),
		cmocka_unit_test(test_hashed_in_with_repeated_values_is_linear),
		cmocka_unit_test(test_errors_are_capped),
		cmocka_unit_test(test_glob_is_fnmatch_without_exponential_backtracking),
		cmocka_unit_test(test_redos_costs_a_bounded_match_and_alerts),
		cmocka_unit_test(test_limit_is_three_valued),
		cmocka_unit_test(test_default_rules_regexes_have_headroom),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

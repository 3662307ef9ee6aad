/* test_rules_state.c — stateful rules: frequency (count and distinct count, windows,
 * grouping) and sequence (steps, captures, scope, windows), their evidence and the caps
 * on their state. Uses rules_fixtures/stateful.yaml. */
#include <arpa/inet.h>
#include "rules/internal.h"
#include "test_rules_util.h"

static struct vg_ruleset *load(const struct vg_rules_opts *o)
{
	const char *paths[] = { FIXTURES "/stateful.yaml" };
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load(paths, 1, o, &errs);

	for (int i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_non_null(rs);
	vg_rules_errors_free(&errs);
	return rs;
}

static int count(const struct seen *s, const char *rule)
{
	int n = 0;

	for (int i = 0; i < s->n; i++)
		n += strcmp(s->rule[i], rule) == 0;
	return n;
}

static int last(const struct seen *s, const char *rule)
{
	for (int i = s->n - 1; i >= 0; i--)
		if (strcmp(s->rule[i], rule) == 0)
			return i;
	return -1;
}

static struct vg_rule_info info(struct vg_ruleset *rs, const char *name)
{
	struct vg_rule_info ri;

	for (int i = 0; vg_rules_info(rs, i, &ri); i++)
		if (!strcmp(ri.name, name))
			return ri;
	fail_msg("no rule %s", name);
	return ri;
}

/* A child of ppid execs exe at second t (ret 0). */
static void spawn(struct vg_ruleset *rs, struct vg_proctable *pt, struct seen *s, pid_t pid, pid_t ppid,
		  const char *exe, double t)
{
	const char *name = strrchr(exe, '/') + 1;
	struct tev e;

	vg_rules_eval(rs, tevent(&e, "exec", tproc(pt, pid, ppid, name, exe, name), (uint64_t)(t * SEC)), pt,
		      collect, s);
}

static void test_frequency_distinct(void **state)
{
	struct vg_ruleset *rs = load(NULL);
	struct vg_proctable *pt = vg_proctable_new(256);
	struct seen s = { 0 };
	int i;

	tproc(pt, 200, 1, "bash", "/bin/bash", "bash");
	tproc(pt, 210, 1, "bash", "/bin/bash", "bash");
	spawn(rs, pt, &s, 300, 200, "/usr/bin/id", 1);
	spawn(rs, pt, &s, 301, 200, "/usr/bin/id", 1.1);     /* same program: not distinct */
	spawn(rs, pt, &s, 302, 200, "/usr/bin/uname", 1.2);
	spawn(rs, pt, &s, 303, 200, "/usr/bin/whoami", 1.3);
	spawn(rs, pt, &s, 304, 210, "/usr/bin/hostname", 1.4); /* another parent: its own group */
	spawn(rs, pt, &s, 305, 200, "/usr/bin/ip", 1.5);
	assert_int_equal(count(&s, "Exec burst"), 0);
	spawn(rs, pt, &s, 306, 200, "/usr/bin/ps", 1.6);
	assert_int_equal(count(&s, "Exec burst"), 1);
	i = last(&s, "Exec burst");
	assert_string_equal(s.output[i], "bash started 5 different programs in 10s (last /usr/bin/ps)");
	assert_int_equal(s.nevidence[i], 5);
	assert_non_null(strstr(s.evidence0[i], "\"event\":\"exec\""));
	/* the group restarted after firing: four more do not fire */
	for (int k = 0; k < 4; k++)
		spawn(rs, pt, &s, 310 + k, 200, (const char *[]){ "/a/1", "/a/2", "/a/3", "/a/4" }[k], 2 + k * 0.1);
	assert_int_equal(count(&s, "Exec burst"), 1);
	/* the window slides: 12s later the four have expired */
	spawn(rs, pt, &s, 320, 200, "/a/5", 14);
	spawn(rs, pt, &s, 321, 200, "/a/6", 14.1);
	assert_int_equal(count(&s, "Exec burst"), 1);
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void test_frequency_count_window(void **state)
{
	struct vg_ruleset *rs = load(NULL);
	struct vg_proctable *pt = vg_proctable_new(16);
	struct vg_proc *p = tproc(pt, 50, 1, "brute", "/tmp/brute", "brute");
	struct seen s = { 0 };
	struct tev e;
	const double at[] = { 0, 1, 2.5, 2.6 };

	for (int k = 0; k < 4; k++) {
		struct vg_event *ev = tevent(&e, "exec", p, (uint64_t)(at[k] * SEC));

		e.hdr.ret = -13;
		vg_rules_eval(rs, ev, pt, collect, &s);
		/* at 2.5 the event at 0 is out of the 2s window: only 2 in it */
		assert_int_equal(count(&s, "Exec failures"), k == 3);
	}
	assert_int_equal(s.nevidence[last(&s, "Exec failures")], 3);
	assert_string_equal(s.output[last(&s, "Exec failures")], "brute failed to exec 3 times");
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void test_frequency_group_cap(void **state)
{
	struct vg_rules_opts o = { .max_groups = 2 };
	struct vg_ruleset *rs = load(&o);
	struct vg_proctable *pt = vg_proctable_new(64);
	struct seen s = { 0 };

	for (int parent = 0; parent < 3; parent++)
		tproc(pt, 100 + parent, 1, "sh", "/bin/sh", "sh");
	/* four distinct programs under parent 100, then two other parents push its group out */
	for (int k = 0; k < 4; k++)
		spawn(rs, pt, &s, 200 + k, 100, (const char *[]){ "/a/1", "/a/2", "/a/3", "/a/4" }[k], 1);
	spawn(rs, pt, &s, 210, 101, "/b/1", 1);
	spawn(rs, pt, &s, 211, 102, "/c/1", 1);
	assert_int_equal(info(rs, "Exec burst").evictions, 1);
	spawn(rs, pt, &s, 204, 100, "/a/5", 1);
	assert_int_equal(count(&s, "Exec burst"), 0);
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void failed_exec(struct vg_ruleset *rs, struct vg_proctable *pt, struct seen *s, struct vg_proc *p,
			const char *path, double t)
{
	struct tev e;
	struct vg_event *ev = tevent(&e, "exec", p, (uint64_t)(t * SEC));

	e.hdr.ret = -13;
	tadd_str(ev, "exec.filename", path);
	vg_rules_eval(rs, ev, pt, collect, s);
}

static void test_sequence_capture(void **state)
{
	struct vg_ruleset *rs = load(NULL);
	struct vg_proctable *pt = vg_proctable_new(64);
	struct vg_proc *sh = tproc(pt, 400, 200, "bash", "/bin/bash", "bash");
	struct vg_proc *other = tproc(pt, 450, 1, "bash", "/bin/bash", "bash");
	struct seen s = { 0 };
	int i;

	tproc(pt, 200, 1, "sshd", "/usr/sbin/sshd", "sshd");
	failed_exec(rs, pt, &s, sh, "/tmp/x", 10);
	assert_int_equal(count(&s, "Retry after chmod"), 0);
	spawn(rs, pt, &s, 401, 400, "/tmp/y", 11);   /* another path */
	spawn(rs, pt, &s, 451, 450, "/tmp/x", 12);   /* another tree */
	assert_int_equal(count(&s, "Retry after chmod"), 0);
	spawn(rs, pt, &s, 402, 400, "/tmp/x", 13);
	assert_int_equal(count(&s, "Retry after chmod"), 1);
	i = last(&s, "Retry after chmod");
	assert_string_equal(s.output[i], "/tmp/x ran after a failed attempt (by bash)");
	assert_int_equal(s.nevidence[i], 2);
	assert_non_null(strstr(s.evidence0[i], "/tmp/x"));
	assert_int_equal(s.prio[i], VG_PRIO_CRITICAL);
	/* completed sequences are gone */
	spawn(rs, pt, &s, 403, 400, "/tmp/x", 14);
	assert_int_equal(count(&s, "Retry after chmod"), 1);
	/* the window: 30s */
	failed_exec(rs, pt, &s, sh, "/tmp/z", 20);
	spawn(rs, pt, &s, 404, 400, "/tmp/z", 51);
	assert_int_equal(count(&s, "Retry after chmod"), 1);
	(void)other;
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void test_sequence_descendants(void **state)
{
	struct vg_ruleset *rs = load(NULL);
	struct vg_proctable *pt = vg_proctable_new(64);
	struct seen s = { 0 };
	struct tev e;
	struct vg_proc *cat;
	int i;

	tproc(pt, 500, 1, "nginx", "/usr/sbin/nginx", "nginx");
	tproc(pt, 600, 1, "cron", "/usr/sbin/cron", "cron");
	spawn(rs, pt, &s, 501, 500, "/bin/sh", 100);
	/* a shell elsewhere reading shadow is not this sequence */
	spawn(rs, pt, &s, 601, 600, "/bin/sh", 101);
	cat = tproc(pt, 602, 601, "cat", "/bin/cat", "cat /etc/shadow");
	vg_rules_eval(rs, tevent(&e, "exec", cat, 102 * SEC), pt, collect, &s);
	assert_int_equal(count(&s, "Network shell reads secrets"), 0);
	/* a grandchild of the web shell does */
	tproc(pt, 502, 501, "python3", "/usr/bin/python3", "python3");
	cat = tproc(pt, 503, 502, "cat", "/bin/cat", "cat /etc/shadow");
	vg_rules_eval(rs, tevent(&e, "exec", cat, 103 * SEC), pt, collect, &s);
	assert_int_equal(count(&s, "Network shell reads secrets"), 1);
	i = last(&s, "Network shell reads secrets");
	assert_string_equal(s.output[i], "shell from sh read shadow: cat /etc/shadow");
	assert_int_equal(s.nevidence[i], 2);
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void test_sequence_cap_and_dedup(void **state)
{
	struct vg_rules_opts o = { .max_partials = 2 };
	struct vg_ruleset *rs = load(&o);
	struct vg_proctable *pt = vg_proctable_new(64);
	struct vg_proc *a = tproc(pt, 700, 1, "a", "/a", "a");
	struct vg_proc *b = tproc(pt, 710, 1, "b", "/b", "b");
	struct vg_proc *c = tproc(pt, 720, 1, "c", "/c", "c");
	struct seen s = { 0 };

	failed_exec(rs, pt, &s, a, "/tmp/a", 1);
	failed_exec(rs, pt, &s, a, "/tmp/a", 1.5); /* the same start: refreshed, not added */
	failed_exec(rs, pt, &s, b, "/tmp/b", 2);
	assert_int_equal(info(rs, "Retry after chmod").evictions, 0);
	failed_exec(rs, pt, &s, c, "/tmp/c", 3);   /* evicts a's */
	assert_int_equal(info(rs, "Retry after chmod").evictions, 1);
	spawn(rs, pt, &s, 701, 700, "/tmp/a", 4);
	assert_int_equal(count(&s, "Retry after chmod"), 0);
	spawn(rs, pt, &s, 721, 720, "/tmp/c", 4);
	assert_int_equal(count(&s, "Retry after chmod"), 1);
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void test_sequence_scopes(void **state)
{
	static const char *yaml =
		"- rule: seq\n  desc: d\n  priority: notice\n  output: o\n  sequence:\n    window: 10s\n"
		"    scope: %s\n    steps:\n      - condition: evt.type = setsid\n"
		"      - condition: evt.type = exec and proc.name = nc\n";
	const char *scopes[] = { "tree", "parent_tree", "process", "session", "host" };
	/* does a sibling's exec (same parent and session) complete it? */
	const int sibling_completes[] = { 0, 1, 0, 1, 1 };
	char text[1024];

	for (int k = 0; k < 5; k++) {
		struct vg_proctable *pt = vg_proctable_new(16);
		struct vg_proc *first = tproc(pt, 800, 799, "sh", "/bin/sh", "sh");
		struct vg_proc *sibling = tproc(pt, 801, 799, "nc", "/bin/nc", "nc");
		struct vg_ruleset *rs;
		struct seen s = { 0 };
		struct tev e;

		tproc(pt, 799, 1, "bash", "/bin/bash", "bash");
		snprintf(text, sizeof(text), yaml, scopes[k]);
		rs = tload(text);
		vg_rules_eval(rs, tevent(&e, "setsid", first, SEC), pt, collect, &s);
		vg_rules_eval(rs, tevent(&e, "exec", sibling, 2 * SEC), pt, collect, &s);
		if (s.n != sibling_completes[k])
			fail_msg("scope %s: %d alerts", scopes[k], s.n);
		vg_ruleset_free(rs);
		vg_proctable_free(pt);
	}
}

static void connect_to(struct vg_ruleset *rs, struct vg_proctable *pt, struct seen *s, struct vg_proc *p,
		       const char *ip, int port, double t)
{
	struct vg_value v = { .type = VG_V_IP };
	struct tev e;
	struct vg_event *ev = tevent(&e, "connect", p, (uint64_t)(t * SEC));

	v.ip.family = 4;
	inet_pton(AF_INET, ip, v.ip.addr);
	vg_event_add(ev, tfield("net.dip"), v);
	tadd_int(ev, "net.dport", port);
	vg_rules_eval(rs, ev, pt, collect, s);
}

static void test_port_scan(void **state)
{
	struct vg_ruleset *rs = load(NULL);
	struct vg_proctable *pt = vg_proctable_new(16);
	struct vg_proc *nmap = tproc(pt, 900, 1, "nmap", "/usr/bin/nmap", "nmap 10.0.0.5");
	struct seen s = { 0 };

	for (int port = 1; port <= 19; port++) {
		connect_to(rs, pt, &s, nmap, "10.0.0.5", port, 1);
		connect_to(rs, pt, &s, nmap, "10.0.0.5", port, 1.5); /* repeats count once */
		connect_to(rs, pt, &s, nmap, "10.0.0.6", 100 + port, 1); /* another host: own group */
	}
	assert_int_equal(count(&s, "Outbound port scan"), 0);
	connect_to(rs, pt, &s, nmap, "10.0.0.5", 20, 2);
	assert_int_equal(count(&s, "Outbound port scan"), 1);
	assert_string_equal(s.output[last(&s, "Outbound port scan")], "nmap connected to 20 ports of 10.0.0.5 in 10s");
	assert_int_equal(s.nevidence[last(&s, "Outbound port scan")], MAX_EVIDENCE); /* the newest of 20 */
	/* 20 ports slowly, 1 per second, never 20 within 10s */
	for (int port = 1; port <= 30; port++)
		connect_to(rs, pt, &s, nmap, "10.0.0.7", port, 10 + port);
	assert_int_equal(count(&s, "Outbound port scan"), 1);
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

static void test_dropper(void **state)
{
	struct vg_ruleset *rs = load(NULL);
	struct vg_proctable *pt = vg_proctable_new(16);
	struct vg_proc *curl = tproc(pt, 1001, 1000, "curl", "/usr/bin/curl", "curl -o /tmp/implant");
	struct seen s = { 0 };
	struct tev e;
	struct vg_event *ev;

	tproc(pt, 1000, 1, "bash", "/bin/bash", "bash");
	ev = tevent(&e, "create_file", curl, 5 * SEC);
	tadd_str(ev, "file.path", "/tmp/implant");
	vg_rules_eval(rs, ev, pt, collect, &s);
	/* the shell runs it: a sibling of the creator */
	spawn(rs, pt, &s, 1002, 1000, "/tmp/implant", 9);
	assert_int_equal(count(&s, "Dropped binary executed"), 1);
	assert_string_equal(s.output[last(&s, "Dropped binary executed")],
			    "/tmp/implant was dropped by curl and executed");
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

/* More distinct values than evidence slots, with refreshes in between. */
static void test_evidence_cap(void **state)
{
	struct vg_ruleset *rs = load(NULL);
	struct vg_proctable *pt = vg_proctable_new(128);
	struct seen s = { 0 };
	char exe[32];
	int i;

	tproc(pt, 50, 1, "recon", "/bin/recon", "recon");
	for (i = 0; i < 39; i++) {
		snprintf(exe, sizeof(exe), "/x/p%d", i);
		spawn(rs, pt, &s, 60 + i, 50, exe, 1 + i * 0.01);
		if (i >= 35) /* refresh old values whose evidence was already dropped */
			spawn(rs, pt, &s, 60 + i, 50, "/x/p1", 1.5 + i * 0.01);
	}
	assert_int_equal(count(&s, "Wide recon"), 0);
	spawn(rs, pt, &s, 99, 50, "/x/last", 2);
	assert_int_equal(count(&s, "Wide recon"), 1);
	assert_int_equal(s.nevidence[last(&s, "Wide recon")], MAX_EVIDENCE);
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frequency_distinct),
		cmocka_unit_test(test_frequency_count_window),
		cmocka_unit_test(test_frequency_group_cap),
		cmocka_unit_test(test_sequence_capture),
		cmocka_unit_test(test_sequence_descendants),
		cmocka_unit_test(test_sequence_cap_and_dedup),
		cmocka_unit_test(test_sequence_scopes),
		cmocka_unit_test(test_port_scan),
		cmocka_unit_test(test_dropper),
		cmocka_unit_test(test_evidence_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

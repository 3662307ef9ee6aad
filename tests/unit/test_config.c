/* test_config.c — the config file and the option table: a good file fills the options
 * (sinks as specs and as maps), every error names its FILE:LINE:COL, the command line
 * overrides the file (a list replaces the file's list), and a reload applies what SIGHUP
 * can change while naming what needs a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include "config/options.h"

static char dir[256];

static int make_dir(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/vigil-test-config-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char *write_file(const char *name, const char *text)
{
	static char path[2][300];
	static int k;
	char *p = path[k++ % 2];
	FILE *f;

	snprintf(p, 300, "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* Runs fn with stderr captured into out; returns fn's result. */
static int captured(int (*fn)(void *), void *arg, char *out, size_t len)
{
	char path[300];
	int saved = dup(2), fd, rc;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fflush(stderr);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	dup2(fd, 2);
	close(fd);
	rc = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fd = open(path, O_RDONLY);
	n = read(fd, out, len - 1);
	close(fd);
	out[n > 0 ? n : 0] = 0;
	return rc;
}

struct check_args {
	const char *path;
	struct vg_run_opts *o;
};

static int do_check(void *arg)
{
	struct check_args *a = arg;

	return vg_run_opts_check_file(a->path, a->o);
}

static void test_good_file(void **state)
{
	const char *path = write_file("good.yaml",
				      "# a vigil.yaml\n"
				      "profile: sandbox\n"
				      "rules_file: [/etc/vigil/rules, /etc/vigil/local.yaml]\n"
				      "stats_interval: 30s\n"
				      "ring_size: 16M\n"
				      "allow_exe:\n"
				      "  - /usr/sbin/backup\n"
				      "sinks:\n"
				      "  - file:/var/log/vigil/events.json;keep=3\n"
				      "  - url: nats://10.0.0.1:4222,10.0.0.2:4222\n"
				      "    replicas: 3\n"
				      "    spool: /var/lib/vigil/spool/nats\n"
				      "host_name: web-1\n");
	struct vg_run_opts o;
	struct check_args a = { path, &o };
	char err[4096];

	assert_int_equal(captured(do_check, &a, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(o.out.profile, "sandbox");
	assert_true(o.kc.sandbox);
	assert_int_equal(o.out.n_rules, 2);
	assert_string_equal(o.out.rules[1], "/etc/vigil/local.yaml");
	assert_true(o.stats_interval == 30);
	assert_int_equal(o.kc.ring_size, 16u << 20);
	assert_int_equal(o.n_allow_exe, 1);
	assert_int_equal(o.out.n_sinks, 2);
	assert_string_equal(o.out.sinks[0], "file:/var/log/vigil/events.json;keep=3");
	assert_string_equal(o.out.sinks[1], "nats://10.0.0.1:4222,10.0.0.2:4222;replicas=3;spool=/var/lib/vigil/spool/nats");
	assert_string_equal(o.host_name, "web-1");
	assert_false(o.out.output_given); /* only sinks named: nothing on stdout */
	vg_run_opts_free(&o);
}

static void test_errors_name_their_place(void **state)
{
	const char *path = write_file("bad.yaml",
				      "profile: default\n"
				      "colour: red\n"
				      "ring_size: 1000\n"
				      "sinks:\n"
				      "  - url: nats://h:4222\n"
				      "    replicas: three\n"
				      "  - carrier-pigeon:coop\n"
				      "duration: [1, 2]\n"
				      "profile: sandbox\n");
	struct vg_run_opts o;
	struct check_args a = { path, &o };
	char err[4096], want[400];

	assert_int_equal(captured(do_check, &a, err, sizeof(err)), 6);
	snprintf(want, sizeof(want), "%s:2:1: unknown option 'colour'", path);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s:6:5: sinks: option replicas takes N, not 'three'", path);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s:8:11: 'duration' takes one value, not a list", path);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s:9:1: 'profile' is given twice", path);
	assert_non_null(strstr(err, want));
	/* values are checked once the file is read, still at their own place */
	snprintf(want, sizeof(want), "%s:3:12: ring_size: must be a power of two", path);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s:7:5: sinks: unknown sink 'carrier-pigeon:coop'", path);
	assert_non_null(strstr(err, want));
	vg_run_opts_free(&o);
}

static void test_yaml_syntax_error(void **state)
{
	const char *path = write_file("syntax.yaml", "profile: default\nrules: [a, b\n");
	struct vg_run_opts o;
	struct check_args a = { path, &o };
	char err[4096], want[400];

	assert_true(captured(do_check, &a, err, sizeof(err)) > 0);
	snprintf(want, sizeof(want), "%s:3:1: ", path);
	assert_non_null(strstr(err, want));
	vg_run_opts_free(&o);
}

static void test_command_line_overrides_the_file(void **state)
{
	const char *path = write_file("base.yaml", "stats_interval: 1h\nrules: [/a, /b]\nproc_cap: 1000\n");
	char *argv[] = { "run", "--config", (char *)path, "--stats-interval", "2", "--rules", "/c", NULL };
	struct vg_run_opts o;

	assert_int_equal(vg_run_opts_load(7, argv, &o), 0);
	assert_true(o.stats_interval == 2);
	assert_int_equal(o.out.n_rules, 1); /* the command line's list replaces the file's */
	assert_string_equal(o.out.rules[0], "/c");
	assert_int_equal(o.proc_cap, 1000); /* the file's value where the command line is silent */
	assert_string_equal(o.config, path);
	vg_run_opts_free(&o);
}

struct reload_args {
	struct vg_run_opts *cur, *next;
};

static int do_reload(void *arg)
{
	struct reload_args *a = arg;

	vg_run_opts_reload(a->cur, a->next);
	return 0;
}

static void test_reload_applies_live_options_only(void **state)
{
	const char *path = write_file("live.yaml", "stats_interval: 5\nring_size: 8M\nrules: [/r1]\n");
	char *argv[] = { "run", "--config", (char *)path, NULL };
	struct vg_run_opts cur, next;
	struct reload_args a = { &cur, &next };
	char err[4096];

	assert_int_equal(vg_run_opts_load(3, argv, &cur), 0);
	write_file("live.yaml", "stats_interval: 7\nring_size: 32M\nrules: [/r1, /r2]\nallow_exe: [/bin/true]\n");
	assert_int_equal(vg_run_opts_load(3, argv, &next), 0);
	captured(do_reload, &a, err, sizeof(err));
	assert_true(cur.stats_interval == 7);
	assert_int_equal(cur.out.n_rules, 2);
	assert_string_equal(cur.out.rules[1], "/r2");
	assert_int_equal(cur.n_allow_exe, 1);
	assert_int_equal(cur.kc.ring_size, 8u << 20); /* BPF read-only data: at the next start */
	assert_non_null(strstr(err, "ring_size changed; it takes effect at the next start"));
	assert_null(strstr(err, "stats_interval"));
	vg_run_opts_free(&cur);
	vg_run_opts_free(&next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_errors_name_their_place, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_yaml_syntax_error, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_command_line_overrides_the_file, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_reload_applies_live_options_only, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

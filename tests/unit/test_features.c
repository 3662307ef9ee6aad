/* test_features.c — runs the real kernel feature probe and checks that its answers agree
 * with each other and with what the test can see for itself, without assuming what this
 * machine supports. Also probes again with root dropped and expects "needs root". */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "loader/features.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_every_no_has_a_reason(void **state)
{
	struct vg_features f;

	assert_int_equal(vg_features_probe(&f), 0);
#define CHECK_REASON(name)                                                             \
	if (!f.name && f.why_##name[0] == '\0')                                            \
		fail_msg("%s is false without a reason", #name);                            \
	assert_non_null(memchr(f.why_##name, '\0', sizeof(f.why_##name)));
	VG_FEATURES(CHECK_REASON)
#undef CHECK_REASON
}

static void test_answers_match_the_system(void **state)
{
	struct vg_features f;
	struct utsname u;
	char events[128];

	vg_features_probe(&f);
	assert_int_equal(uname(&u), 0);
	assert_string_equal(f.release, u.release);
	assert_int_equal(f.btf, access("/sys/kernel/btf/vmlinux", R_OK) == 0);
	if (f.tracefs) {
		snprintf(events, sizeof(events), "%s/events", f.tracefs_path);
		assert_int_equal(access(events, F_OK), 0);
	} else {
		assert_string_equal(f.tracefs_path, "");
	}
	/* BTF-typed programs need BTF; perf tracepoints need tracefs for their ids */
	if (f.tp_btf || f.fentry || f.lsm_prog)
		assert_true(f.btf);
	if (f.tracepoint)
		assert_true(f.tracefs);
	if (!f.privileged) {
		assert_false(f.raw_tp);
		assert_false(f.ringbuf);
	}
}

static void test_security_fields(void **state)
{
	static const char *const modes[] = { "none", "integrity", "confidentiality", "unknown" };
	struct vg_features f;
	char raw[128], bracketed[40];
	FILE *in;
	bool known = false;

	vg_features_probe(&f);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		known |= strcmp(f.lockdown, modes[i]) == 0;
	assert_true(known);
	if (strcmp(f.lockdown, "unknown") == 0 || strcmp(f.lsm, "unknown") == 0)
		assert_true(f.why_security[0] != '\0');
	/* the probe mounts securityfs when it can, so read the file after probing */
	in = fopen("/sys/kernel/security/lockdown", "r");
	if (in) {
		assert_non_null(fgets(raw, sizeof(raw), in));
		fclose(in);
		snprintf(bracketed, sizeof(bracketed), "[%s]", f.lockdown);
		assert_non_null(strstr(raw, bracketed));
	}
}

static void test_probing_closes_its_fds_and_repeats(void **state)
{
	struct vg_features first, again;
	int before = count_fds();

	vg_features_probe(&first);
	vg_features_probe(&again);
	assert_int_equal(count_fds(), before);
#define SAME(name) assert_int_equal(first.name, again.name);
	VG_FEATURES(SAME)
#undef SAME
}

static void test_fatal_matches_the_requirements(void **state)
{
	struct vg_features f;
	const char *fatal;

	vg_features_probe(&f);
	fatal = vg_features_fatal(&f);
	assert_int_equal(fatal == NULL, f.privileged && f.btf && f.tracefs && f.ringbuf);
	if (fatal)
		assert_null(strchr(fatal, '\n'));

	/* each requirement on its own is fatal */
	f.privileged = f.btf = f.tracefs = f.ringbuf = true;
	assert_null(vg_features_fatal(&f));
	f.btf = false;
	assert_non_null(strstr(vg_features_fatal(&f), "BTF"));
	f.btf = true;
	f.tracefs = false;
	assert_non_null(strstr(vg_features_fatal(&f), "tracefs"));
	f.tracefs = true;
	f.ringbuf = false;
	assert_non_null(strstr(vg_features_fatal(&f), "ring buffer"));
	f.privileged = false;
	assert_non_null(strstr(vg_features_fatal(&f), "root"));
}

/* The text line printed for a feature: "name  yes|no  [reason]". */
static void check_text_line(const char *text, const char *name, bool ok, const char *why)
{
	char want[256];
	const char *line;

	snprintf(want, sizeof(want), "\n%-14s%-3s%s%s\n", name, ok ? "yes" : "no",
		 why[0] ? "  " : "", why);
	line = strstr(text, want);
	if (!line)
		fail_msg("no line for %s in:\n%s", name, text);
}

static void test_print_text_and_json(void **state)
{
	struct vg_features f;
	char *text = NULL, *json = NULL, want[300];
	size_t len;
	FILE *out;

	vg_features_probe(&f);
	out = open_memstream(&text, &len);
	vg_features_print(out, &f, false);
	fclose(out);
	assert_true(strncmp(text, "kernel", 6) == 0);
#define TEXT_LINE(name) check_text_line(text, #name, f.name, f.why_##name);
	VG_FEATURES(TEXT_LINE)
#undef TEXT_LINE

	out = open_memstream(&json, &len);
	vg_features_print(out, &f, true);
	fclose(out);
	assert_true(json[0] == '{');
	assert_true(len >= 2 && json[len - 2] == '}' && json[len - 1] == '\n');
	assert_ptr_equal(strchr(json, '\n'), json + len - 1);
#define JSON_KEY(name)                                                                  \
	snprintf(want, sizeof(want), "\"%s\":{\"ok\":%s", #name, f.name ? "true" : "false"); \
	if (!strstr(json, want))                                                           \
		fail_msg("no %s in %s", want, json);
	VG_FEATURES(JSON_KEY)
#undef JSON_KEY
	free(text);
	free(json);
}

/* With root dropped, every BPF probe must say it needs root rather than fail oddly. */
static void test_unprivileged(void **state)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vg_features f;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		vg_features_probe(&f);
		if (f.privileged || !vg_features_fatal(&f))
			_exit(3);
#define NEEDS_ROOT(name)                                                               \
	if (f.name || !strstr(f.why_##name, "needs root (CAP_BPF/CAP_SYS_ADMIN)"))          \
		_exit(4);
		VG_BPF_FEATURES(NEEDS_ROOT)
#undef NEEDS_ROOT
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_no_has_a_reason),
		cmocka_unit_test(test_answers_match_the_system),
		cmocka_unit_test(test_security_fields),
		cmocka_unit_test(test_probing_closes_its_fds_and_repeats),
		cmocka_unit_test(test_fatal_matches_the_requirements),
		cmocka_unit_test(test_print_text_and_json),
		cmocka_unit_test(test_unprivileged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

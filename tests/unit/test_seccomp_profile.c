/* test_seccomp_profile.c — seccomp profiles without a kernel: the OCI JSON vigil writes
 * reads back as the same profile, bad JSON is refused with its position, merging is a union
 * (and refuses different defaults), the clone3 fallback, and the runtime baseline. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "seccomp/seccomp.h"

/* A temp file holding text; the caller unlinks it. */
static char *temp_with(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/vigil-unit-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* The profile read from text; err receives the error when reading fails (-1). */
static int read_text(const char *text, struct vg_sc_profile *p, char *err, size_t len)
{
	char *path = temp_with(text);
	int rc = vg_sc_profile_read(path, p, err, len);

	unlink(path);
	return rc;
}

static const struct vg_sc_rule *rule_named(const struct vg_sc_profile *p, const char *comment)
{
	for (int i = 0; i < p->nrules; i++)
		if (p->rules[i].comment && strcmp(p->rules[i].comment, comment) == 0)
			return &p->rules[i];
	return NULL;
}

static bool lists(const struct vg_sc_rule *r, const char *name)
{
	for (int i = 0; r && i < r->nnames; i++)
		if (strcmp(r->names[i], name) == 0)
			return true;
	return false;
}

static void recorded(struct vg_sc_profile *p, const char *const *names)
{
	vg_sc_profile_init(p);
	vg_sc_profile_add_arch(p, "SCMP_ARCH_X86_64");
	for (; *names; names++)
		vg_sc_profile_add(p, "SCMP_ACT_ALLOW", false, 0, VG_SC_SECTION_APP " (SCMP_ARCH_X86_64)", *names);
}

static void test_written_profile_reads_back_the_same(void **state)
{
	static const char *const names[] = { "write", "read", "exit_group", "read", NULL };
	struct vg_sc_profile p, q;
	char err[512], *path, text[4096] = "";
	FILE *f;

	recorded(&p, names);
	vg_sc_profile_add_arch(&p, "SCMP_ARCH_X86");
	vg_sc_profile_add(&p, "SCMP_ACT_ALLOW", false, 0, VG_SC_SECTION_APP " (SCMP_ARCH_X86)", "set_thread_area");
	vg_sc_profile_finish(&p);
	path = temp_with("");
	f = fopen(path, "w");
	assert_int_equal(vg_sc_profile_write(&p, f), 0);
	fclose(f);
	f = fopen(path, "r");
	assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(text, "\"defaultAction\": \"SCMP_ACT_ERRNO\""));
	assert_non_null(strstr(text, "\"defaultErrnoRet\": 1"));
	assert_int_equal(vg_sc_profile_read(path, &q, err, sizeof(err)), 0);
	unlink(path);
	assert_string_equal(q.default_action, "SCMP_ACT_ERRNO");
	assert_true(q.has_default_errno && q.default_errno == EPERM);
	assert_int_equal(q.narches, 2);
	assert_string_equal(q.arches[1], "SCMP_ARCH_X86");
	assert_int_equal(q.nrules, 3); /* x86_64, x86, the clone3 fallback */
	/* names sorted and unique */
	assert_int_equal(q.rules[0].nnames, 3);
	assert_string_equal(q.rules[0].names[0], "exit_group");
	assert_string_equal(q.rules[0].names[2], "write");
	assert_true(lists(rule_named(&q, VG_SC_SECTION_APP " (SCMP_ARCH_X86)"), "set_thread_area"));
	assert_true(q.rules[2].has_errno && q.rules[2].errno_ret == ENOSYS);
	assert_string_equal(q.rules[2].names[0], "clone3");
	vg_sc_profile_free(&p);
	vg_sc_profile_free(&q);
}

static void test_bad_profiles_are_refused_with_where(void **state)
{
	struct vg_sc_profile p;
	char err[512];

	assert_int_equal(read_text("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [ }\n", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3:"));     /* file:line:col */
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_NOPE\"}", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "defaultAction"));
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscals\": []}", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key 'syscals'"));
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_PDP11\"]}",
				   &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SCMP_ARCH_PDP11"));
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"], "
				   "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 8, \"op\": "
				   "\"SCMP_CMP_EQ\"}]}]}", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "syscalls[0]: 'args'"));
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				   "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\"},"
				   "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_KILL\"}]}", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "syscalls[1]: 'mount' is also under SCMP_ACT_ALLOW"));
	/* Docker's older forms read: "name", empty conditions */
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": \"read\", "
				   "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [], \"includes\": {}}]}", &p, err, sizeof(err)), 0);
	assert_true(vg_sc_profile_allows(&p, "read") && !vg_sc_profile_allows(&p, "write"));
	vg_sc_profile_free(&p);
}

static void test_merge_is_a_union_of_what_each_allows(void **state)
{
	static const char *const a_names[] = { "read", "write", "exit_group", NULL };
	static const char *const b_names[] = { "read", "clone3", "accept4", NULL };
	struct vg_sc_profile a, b;
	char err[512];

	recorded(&a, a_names);
	vg_sc_profile_finish(&a); /* a lacks clone3: ENOSYS fallback */
	assert_false(vg_sc_profile_allows(&a, "clone3"));
	recorded(&b, b_names);
	vg_sc_profile_add_arch(&b, "SCMP_ARCH_X86");
	vg_sc_profile_finish(&b);
	assert_int_equal(vg_sc_profile_merge(&a, &b, "b.json", err, sizeof(err)), 0);
	vg_sc_profile_finish(&a);
	for (const char *const *n = a_names; *n; n++)
		assert_true(vg_sc_profile_allows(&a, *n));
	for (const char *const *n = b_names; *n; n++)
		assert_true(vg_sc_profile_allows(&a, *n));
	assert_false(vg_sc_profile_allows(&a, "ptrace"));
	assert_int_equal(a.narches, 2);
	/* one application section, and the fallback rule gone: b allows clone3 */
	assert_int_equal(a.nrules, 1);
	assert_int_equal(a.rules[0].nnames, 5);
	vg_sc_profile_free(&a);
	vg_sc_profile_free(&b);
}

static void test_merge_of_deny_lists_keeps_what_both_deny(void **state)
{
	struct vg_sc_profile a, b;
	char err[512];

	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
				   "{\"names\": [\"mount\", \"ptrace\"], \"action\": \"SCMP_ACT_ERRNO\"}]}", &a, err, sizeof(err)), 0);
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
				   "{\"names\": [\"ptrace\", \"kexec_load\"], \"action\": \"SCMP_ACT_ERRNO\"}]}", &b, err, sizeof(err)), 0);
	assert_int_equal(vg_sc_profile_merge(&a, &b, "b.json", err, sizeof(err)), 0);
	assert_false(vg_sc_profile_allows(&a, "ptrace"));
	assert_true(vg_sc_profile_allows(&a, "mount"));      /* b allows it */
	assert_true(vg_sc_profile_allows(&a, "kexec_load")); /* a allows it */
	vg_sc_profile_free(&a);
	vg_sc_profile_free(&b);
}

static void test_merge_refuses_different_defaults(void **state)
{
	static const char *const names[] = { "read", NULL };
	struct vg_sc_profile a, b;
	char err[512];

	recorded(&a, names);
	assert_int_equal(read_text("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"}", &b, err, sizeof(err)), 0);
	assert_int_equal(vg_sc_profile_merge(&a, &b, "b.json", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "b.json"));
	assert_non_null(strstr(err, "SCMP_ACT_KILL_PROCESS"));
	assert_true(vg_sc_profile_allows(&a, "read")); /* a is untouched */
	vg_sc_profile_free(&a);
	vg_sc_profile_free(&b);
}

static void test_runtime_baseline_is_a_section_of_its_own(void **state)
{
	static const char *const names[] = { "read", "write", "futex", NULL };
	struct vg_sc_profile p;
	const struct vg_sc_rule *base;
	char err[512];

	recorded(&p, names);
	assert_int_equal(vg_sc_baseline_add(&p, "runc", err, sizeof(err)), 0);
	base = rule_named(&p, VG_SC_SECTION_BASELINE " (runc)");
	assert_non_null(base);
	assert_true(lists(base, "capset") && lists(base, "setgroups") && lists(base, "getdents64"));
	assert_false(lists(base, "read"));  /* the application has it: not repeated */
	assert_true(lists(rule_named(&p, VG_SC_SECTION_APP " (SCMP_ARCH_X86_64)"), "futex"));
	assert_int_equal(vg_sc_baseline_add(&p, "podman-v9", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "runc"));
	vg_sc_profile_free(&p);
}

static void test_syscall_names_come_from_libseccomp_per_arch(void **state)
{
	char *a = vg_sc_syscall_name("SCMP_ARCH_X86_64", 0), *b = vg_sc_syscall_name("SCMP_ARCH_X86", 4);

	assert_string_equal(a, "read");
	assert_string_equal(b, "write"); /* i386 numbers differ */
	assert_null(vg_sc_syscall_name("SCMP_ARCH_X86_64", 999));
	assert_int_equal(vg_sc_arch_token("SCMP_ARCH_NOPE"), 0);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_profile_reads_back_the_same),
		cmocka_unit_test(test_bad_profiles_are_refused_with_where),
		cmocka_unit_test(test_merge_is_a_union_of_what_each_allows),
		cmocka_unit_test(test_merge_of_deny_lists_keeps_what_both_deny),
		cmocka_unit_test(test_merge_refuses_different_defaults),
		cmocka_unit_test(test_runtime_baseline_is_a_section_of_its_own),
		cmocka_unit_test(test_syscall_names_come_from_libseccomp_per_arch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

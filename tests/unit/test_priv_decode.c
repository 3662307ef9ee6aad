/* test_priv_decode.c — the privilege/kernel decoder on synthetic records: flag and option
 * names, kernel paths reversed while caller strings are kept as given, signal and capability
 * names, bpf types through libbpf, setns namespace facts, and records that lie (unknown
 * mount op, string outside the record) rejected or left without the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "decode/decode.h"
#include "decode_util.h"
#include "priv_event.h"


struct record {
	struct vg_hdr h;
	union {
		struct vg_mount mount;
		struct vg_prctl prctl;
		struct vg_signal sig;
		struct vg_bpf bpf;
		struct vg_cap cap;
		struct vg_ns ns;
		struct vg_privesc privesc;
		struct vg_sys32 sys32;
	};
	char data[512];
};

/* Appends bytes after the body, as the BPF side does, and points s at them. */
static void test_mount_flags_and_caller_strings(void **state)
{
	struct record r;

	header(&r, VG_EV_MOUNT, sizeof(r.mount), 0);
	r.mount.op = VG_MOUNT_MOUNT;
	r.mount.flags = 2 | 4 | 4096 | 0x40000000; /* NOSUID, NODEV, BIND, an unnamed bit */
	put(&r, &r.mount.source, "/dev/sdb1", 9);
	put(&r, &r.mount.path, "/mnt/x", 6);
	put(&r, &r.mount.fstype, "ext4", 4);
	decode(&r);
	assert_string_equal(str("mount.op"), "mount");
	assert_string_equal(str("mount.flag_names"), "MS_NOSUID|MS_NODEV|MS_BIND|0x40000000");
	assert_string_equal(str("mount.path"), "/mnt/x"); /* the caller's string, as given */
	assert_string_equal(str("mount.source"), "/dev/sdb1");
	assert_false(num("mount.from_kernel"));
	assert_null(get("mount.data"));
}

static void test_move_mount_kernel_path_is_reversed(void **state)
{
	struct record r;

	header(&r, VG_EV_MOUNT, sizeof(r.mount), 0);
	r.mount.op = VG_MOUNT_MOVE_MOUNT;
	r.mount.from_kernel = 1;
	put(&r, &r.mount.path, "mnt/tmp/", 8);
	decode(&r);
	assert_string_equal(str("mount.path"), "/tmp/mnt");
	assert_null(get("mount.flag_names")); /* MOVE_MOUNT_* are numbers only */
}

static void test_unknown_mount_op_is_malformed(void **state)
{
	struct record r;

	header(&r, VG_EV_MOUNT, sizeof(r.mount), 0);
	r.mount.op = 99;
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), -1);
}

static void test_string_outside_the_record_gives_no_field(void **state)
{
	struct record r;

	header(&r, VG_EV_UMOUNT, sizeof(r.mount), 0);
	r.mount.op = VG_MOUNT_UMOUNT;
	r.mount.flags = 2;
	put(&r, &r.mount.path, "/mnt", 4);
	r.mount.path.len = 300; /* past the end */
	decode(&r);
	assert_null(get("mount.path"));
	assert_string_equal(str("mount.flag_names"), "MNT_DETACH");
}

static void test_prctl_names(void **state)
{
	struct record r;

	header(&r, VG_EV_PRCTL, sizeof(r.prctl), 0);
	r.prctl.option = 15;
	memcpy(r.prctl.old_name, "bash", 4);
	memcpy(r.prctl.new_name, "0123456789abcdef", 16); /* no NUL: bounded by the array */
	decode(&r);
	assert_string_equal(str("prctl.option_name"), "PR_SET_NAME");
	assert_string_equal(str("prctl.old_name"), "bash");
	assert_string_equal(str("prctl.new_name"), "0123456789abcdef");
	assert_null(get("prctl.arg2"));

	header(&r, VG_EV_PRCTL, sizeof(r.prctl), 0);
	r.prctl.option = 22;
	r.prctl.arg2 = 2;
	decode(&r);
	assert_string_equal(str("prctl.option_name"), "PR_SET_SECCOMP");
	assert_int_equal(num("prctl.arg2"), 2);
}

static void test_signal_names(void **state)
{
	struct record r;

	header(&r, VG_EV_KILL, sizeof(r.sig), 0);
	r.sig.sig = 9;
	r.sig.code = -6;
	r.sig.result = 1;
	r.sig.target_pid = 42;
	decode(&r);
	assert_string_equal(str("sig.name"), "SIGKILL");
	assert_string_equal(str("sig.via"), "tkill");
	assert_string_equal(str("sig.result"), "ignored");
	assert_int_equal(num("sig.target_pid"), 42);
}

static void test_bpf_types_by_name(void **state)
{
	struct record r;

	header(&r, VG_EV_BPF, sizeof(r.bpf), 5);
	r.bpf.cmd = 5;
	r.bpf.type = 2; /* kprobe */
	r.bpf.count = 12;
	r.bpf.prog_id = 77;
	memcpy(r.bpf.name, "rootkit", 7);
	decode(&r);
	assert_string_equal(str("bpf.cmd"), "PROG_LOAD");
	assert_string_equal(str("bpf.prog_type"), "kprobe");
	assert_int_equal(num("bpf.insn_cnt"), 12);
	assert_int_equal(num("bpf.prog_id"), 77);
	assert_string_equal(str("bpf.name"), "rootkit");

	header(&r, VG_EV_BPF, sizeof(r.bpf), -1);
	r.bpf.cmd = 5;
	decode(&r);
	assert_null(get("bpf.prog_id")); /* no program on failure */

	header(&r, VG_EV_BPF, sizeof(r.bpf), 0);
	r.bpf.cmd = 2; /* reported only on the agent's own objects, with the object's id */
	r.bpf.object_id = 9;
	memcpy(r.bpf.name, "vg_interest", 11);
	decode(&r);
	assert_string_equal(str("bpf.cmd"), "MAP_UPDATE_ELEM");
	assert_int_equal(num("bpf.object_id"), 9);
	assert_string_equal(str("bpf.name"), "vg_interest");

	header(&r, VG_EV_BPF, sizeof(r.bpf), 0);
	r.bpf.cmd = 1; /* MAP_LOOKUP_ELEM: not a command the BPF side reports */
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), -1);
}

static void test_capability_name(void **state)
{
	struct record r;

	header(&r, VG_EV_CAPABILITY, sizeof(r.cap), 0);
	r.cap.cap = 21;
	r.cap.ret = -1;
	r.cap.count = 5;
	decode(&r);
	assert_string_equal(str("cap.name"), "CAP_SYS_ADMIN");
	assert_false(num("cap.granted"));
	assert_int_equal(num("cap.count"), 5);

	header(&r, VG_EV_CAPABILITY, sizeof(r.cap), 0);
	r.cap.cap = 63; /* beyond the table: number only */
	decode(&r);
	assert_null(get("cap.name"));
	assert_int_equal(num("cap.cap"), 63);
}

static void test_setns_and_unshare(void **state)
{
	struct record r;

	header(&r, VG_EV_SETNS, sizeof(r.ns), 0);
	r.ns.flags = 0x20000000;
	r.ns.fd = 7;
	r.ns.inum = 4026531836u;
	put(&r, &r.ns.fd_type, "pid", 3);
	decode(&r);
	assert_string_equal(str("ns.flag_names"), "CLONE_NEWPID");
	assert_string_equal(str("ns.fd_type"), "pid");
	assert_int_equal(num("ns.inum"), 4026531836u);

	header(&r, VG_EV_UNSHARE, sizeof(r.ns), 0);
	r.ns.flags = 0x10000000 | 0x00020000;
	decode(&r);
	assert_string_equal(str("ns.flag_names"), "CLONE_NEWNS|CLONE_NEWUSER");
	assert_null(get("ns.fd"));
}

static void test_privesc_fields(void **state)
{
	struct record r;

	header(&r, VG_EV_PRIVESC, sizeof(r.privesc), 0);
	r.privesc.reason = VG_PRIVESC_EXEC;
	r.privesc.baseline = VG_BASE_PARENT_RECORD;
	r.privesc.base_uid = r.privesc.base_euid = 1000;
	put(&r, &r.privesc.exe, "sh/bin/", 7);
	decode(&r);
	assert_string_equal(str("privesc.reason"), "exec");
	assert_string_equal(str("privesc.baseline"), "parent");
	assert_int_equal(num("privesc.base_euid"), 1000);
	assert_int_equal(num("privesc.euid"), 0);
	assert_string_equal(str("privesc.exe"), "/bin/sh");

	header(&r, VG_EV_PRIVESC, sizeof(r.privesc), 0);
	r.privesc.reason = VG_PRIVESC_SETID;
	r.privesc.baseline = 9;
	assert_int_equal(vg_decode(pt, &r, r.h.size, &ev), -1);
}

static void test_syscall32_sources(void **state)
{
	struct record r;

	header(&r, VG_EV_SYSCALL32, sizeof(r.sys32), 0);
	r.sys32.source = VG_SYS32_SYSCALL;
	r.sys32.nr = 5;
	r.sys32.count = 3;
	decode(&r);
	assert_string_equal(str("sys32.source"), "syscall");
	assert_int_equal(num("sys32.nr"), 5);
	assert_int_equal(num("sys32.count"), 3);
	assert_null(get("sys32.machine"));

	header(&r, VG_EV_SYSCALL32, sizeof(r.sys32), 0);
	r.sys32.source = VG_SYS32_EXEC;
	r.sys32.machine = 3;
	decode(&r);
	assert_string_equal(str("sys32.source"), "exec");
	assert_int_equal(num("sys32.machine"), 3);
	assert_null(get("sys32.nr"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount_flags_and_caller_strings),
		cmocka_unit_test(test_move_mount_kernel_path_is_reversed),
		cmocka_unit_test(test_unknown_mount_op_is_malformed),
		cmocka_unit_test(test_string_outside_the_record_gives_no_field),
		cmocka_unit_test(test_prctl_names),
		cmocka_unit_test(test_signal_names),
		cmocka_unit_test(test_bpf_types_by_name),
		cmocka_unit_test(test_capability_name),
		cmocka_unit_test(test_setns_and_unshare),
		cmocka_unit_test(test_privesc_fields),
		cmocka_unit_test(test_syscall32_sources),
	};
	int rc;

	pt = vg_proctable_new(64);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	vg_proctable_free(pt);
	return rc;
}

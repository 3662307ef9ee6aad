/* test_container.c — container attribution from real cgroup paths of every runtime,
 * cgroup driver and cgroup version, and host paths that must stay on the host. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "proc/container.h"

#define ID1 "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
#define ID2 "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"
#define POD_UID "8f8d5d5a-9c7d-4c2b-9a8e-2f6c3e4b5a6d"
#define POD_SLICE "kubepods-burstable-pod8f8d5d5a_9c7d_4c2b_9a8e_2f6c3e4b5a6d.slice"

struct expect {
	const char *path, *id, *runtime; /* runtime NULL: a host path */
};

static void check(const struct expect *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char id[65];
		const char *runtime = "unset";
		bool found;

		memset(id, 'x', sizeof(id));
		found = vg_container_from_cgroup(cases[i].path, id, &runtime);
		if (found != (cases[i].runtime != NULL) ||
		    strcmp(id, cases[i].runtime ? cases[i].id : "") != 0 ||
		    (cases[i].runtime ? !runtime || strcmp(runtime, cases[i].runtime) != 0
				      : runtime != NULL))
			fail_msg("%s: got found=%d id=\"%.65s\" runtime=%s, want id=\"%s\" runtime=%s",
				 cases[i].path ? cases[i].path : "(null)", found, id,
				 runtime ? runtime : "NULL", cases[i].id ? cases[i].id : "",
				 cases[i].runtime ? cases[i].runtime : "NULL");
	}
}

#define CHECK(cases) check(cases, sizeof(cases) / sizeof(cases[0]))

static void test_docker(void **state)
{
	static const struct expect cases[] = {
		/* cgroupfs driver, v1 (one line per controller) and v2 */
		{ "/docker/" ID1, ID1, "docker" },
		{ "12:pids:/docker/" ID1, ID1, "docker" },
		{ "1:name=systemd:/docker/" ID1, ID1, "docker" },
		{ "0::/docker/" ID1, ID1, "docker" },
		/* systemd driver */
		{ "/system.slice/docker-" ID1 ".scope", ID1, "docker" },
		{ "0::/system.slice/docker-" ID1 ".scope", ID1, "docker" },
		/* rootless docker (user systemd instance) */
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID1 ".scope",
		  ID1, "docker" },
		/* Kubernetes through cri-dockerd, systemd driver */
		{ "/kubepods.slice/kubepods-burstable.slice/" POD_SLICE "/docker-" ID1 ".scope", ID1,
		  "docker" },
	};
	CHECK(cases);
}

static void test_containerd(void **state)
{
	static const struct expect cases[] = {
		/* kubelet cgroupfs driver: guaranteed, burstable and besteffort QoS */
		{ "/kubepods/pod" POD_UID "/" ID1, ID1, "containerd" },
		{ "/kubepods/burstable/pod" POD_UID "/" ID1, ID1, "containerd" },
		{ "4:memory:/kubepods/besteffort/pod" POD_UID "/" ID1, ID1, "containerd" },
		/* kubelet systemd driver */
		{ "/kubepods.slice/kubepods-burstable.slice/" POD_SLICE "/cri-containerd-" ID1 ".scope",
		  ID1, "containerd" },
		{ "/kubepods.slice/kubepods-pod8f8d5d5a_9c7d_4c2b_9a8e_2f6c3e4b5a6d.slice/cri-containerd-"
		  ID2 ".scope", ID2, "containerd" },
		/* nerdctl, systemd driver */
		{ "/system.slice/nerdctl-" ID1 ".scope", ID1, "containerd" },
	};
	CHECK(cases);
}

static void test_crio(void **state)
{
	static const struct expect cases[] = {
		{ "/kubepods.slice/kubepods-burstable.slice/" POD_SLICE "/crio-" ID1 ".scope", ID1,
		  "cri-o" },
		{ "/kubepods/burstable/pod" POD_UID "/crio-" ID1, ID1, "cri-o" },
		{ "/crio/" ID1, ID1, "cri-o" },
		{ "3:cpu,cpuacct:/crio/" ID2, ID2, "cri-o" },
		/* conmon, the per-container monitor, runs on the host */
		{ "/kubepods.slice/kubepods-burstable.slice/" POD_SLICE "/crio-conmon-" ID1 ".scope",
		  NULL, NULL },
	};
	CHECK(cases);
}

static void test_podman(void **state)
{
	static const struct expect cases[] = {
		{ "/machine.slice/libpod-" ID1 ".scope", ID1, "podman" },
		/* cgroups=split / v2: the payload is one level further down */
		{ "/machine.slice/libpod-" ID1 ".scope/container", ID1, "podman" },
		/* rootless podman */
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1
		  ".scope/container", ID1, "podman" },
		/* cgroupfs manager (v1) */
		{ "/libpod_parent/libpod-" ID1, ID1, "podman" },
		{ "7:devices:/libpod_parent/libpod-" ID2, ID2, "podman" },
		/* conmon is not the container */
		{ "/machine.slice/libpod-conmon-" ID1 ".scope", NULL, NULL },
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-" ID1
		  ".scope", NULL, NULL },
	};
	CHECK(cases);
}

static void test_nspawn(void **state)
{
	static const struct expect cases[] = {
		{ "/machine.slice/systemd-nspawn@debian.service", "debian", "systemd-nspawn" },
		{ "/machine.slice/systemd-nspawn@debian.service/payload", "debian", "systemd-nspawn" },
		{ "/machine.slice/systemd-nspawn@debian.service/payload/system.slice/cron.service",
		  "debian", "systemd-nspawn" },
		{ "/machine.slice/systemd-nspawn@build\\x2dbox.service/payload/init.scope",
		  "build-box", "systemd-nspawn" },
		{ "1:name=systemd:/machine.slice/machine-debian.scope", "debian", "systemd-nspawn" },
		{ "/machine.slice/machine-fedora\\x2d39.scope/payload/system.slice/sshd.service",
		  "fedora-39", "systemd-nspawn" },
		/* a backslash that is not an escape stays as it is */
		{ "/machine.slice/machine-odd\\name.scope", "odd\\name", "systemd-nspawn" },
		/* systemd-nspawn itself, next to the payload */
		{ "/machine.slice/systemd-nspawn@debian.service/supervisor", NULL, NULL },
		/* libvirt's qemu VMs register with machined too, but qemu is a host process */
		{ "/machine.slice/machine-qemu\\x2d1\\x2dubuntu.scope/libvirt/emulator", NULL, NULL },
	};
	CHECK(cases);
}

static void test_lxc(void **state)
{
	static const struct expect cases[] = {
		{ "/lxc/web01", "web01", "lxc" },
		{ "5:memory:/lxc/web01/system.slice/ssh.service", "web01", "lxc" },
		{ "/lxc.payload.web01", "web01", "lxc" },
		{ "/lxc.payload.web01/init.scope", "web01", "lxc" },
		/* the LXC monitor process runs on the host */
		{ "/lxc.monitor.web01", NULL, NULL },
	};
	CHECK(cases);
}

static void test_nested_is_innermost(void **state)
{
	static const struct expect cases[] = {
		{ "/docker/" ID1 "/docker/" ID2, ID2, "docker" },
		{ "/lxc.payload.c1/system.slice/docker-" ID2 ".scope", ID2, "docker" },
		{ "/machine.slice/systemd-nspawn@dev.service/payload/machine.slice/libpod-" ID2
		  ".scope/container", ID2, "podman" },
		/* conmon inside an LXC container belongs to that container */
		{ "/lxc.payload.c1/machine.slice/libpod-conmon-" ID2 ".scope", "c1", "lxc" },
	};
	CHECK(cases);
}

static void test_host_paths(void **state)
{
	static const struct expect cases[] = {
		{ "/", NULL, NULL },
		{ "", NULL, NULL },
		{ "0::/", NULL, NULL },
		{ "/init.scope", NULL, NULL },
		{ "/system.slice/cron.service", NULL, NULL },
		{ "/system.slice/docker.service", NULL, NULL },
		{ "/system.slice/containerd.service", NULL, NULL },
		{ "/system.slice/docker.socket", NULL, NULL },
		{ "/system.slice/systemd-machined.service", NULL, NULL },
		{ "/user.slice/user-1000.slice/session-3.scope", NULL, NULL },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.socket", NULL, NULL },
		{ "/user.slice/user-0.slice/user@0.service/init.scope", NULL, NULL },
		{ "/machine.slice", NULL, NULL },
		{ "/kubepods.slice/kubepods-burstable.slice/" POD_SLICE, NULL, NULL },
		{ "/kubepods/burstable/pod" POD_UID, NULL, NULL },
		{ "/kubepods", NULL, NULL },
		{ "12:pids:/user.slice/user-1000.slice/session-2.scope", NULL, NULL },
	};
	CHECK(cases);
}

static void test_lookalikes_stay_on_host(void **state)
{
	static const struct expect cases[] = {
		/* ids must be exactly 64 lowercase hex digits */
		{ "/docker/" "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48b", NULL, NULL },
		{ "/docker/" ID1 "0", NULL, NULL },
		{ "/docker/CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB", NULL, NULL },
		{ "/docker/buildkit", NULL, NULL },
		{ "/system.slice/docker-notanid.scope", NULL, NULL },
		{ "/system.slice/docker-" ID1 ".service", NULL, NULL },
		/* a bare id that no runtime's directory holds */
		{ "/system.slice/" ID1, NULL, NULL },
		/* names with nothing between prefix and suffix */
		{ "/machine.slice/systemd-nspawn@.service", NULL, NULL },
		{ "/machine.slice/machine-.scope", NULL, NULL },
		{ "/lxc.payload.", NULL, NULL },
	};
	CHECK(cases);
}

static void test_edges(void **state)
{
	char id[65], long_name[200];
	const char *runtime = "unset";

	/* NULL path and NULL runtime pointer are accepted */
	assert_false(vg_container_from_cgroup(NULL, id, &runtime));
	assert_string_equal(id, "");
	assert_null(runtime);
	assert_true(vg_container_from_cgroup("/docker/" ID1, id, NULL));
	assert_string_equal(id, ID1);

	/* trailing and doubled slashes do not matter */
	assert_true(vg_container_from_cgroup("//system.slice//docker-" ID1 ".scope/", id, &runtime));
	assert_string_equal(id, ID1);
	assert_string_equal(runtime, "docker");

	/* a name longer than 64 characters is cut to fit id */
	strcpy(long_name, "/lxc/");
	memset(long_name + 5, 'n', 100);
	long_name[105] = '\0';
	assert_true(vg_container_from_cgroup(long_name, id, &runtime));
	assert_int_equal(strlen(id), 64);
	assert_string_equal(runtime, "lxc");

	/* a failed lookup clears what an earlier one left */
	assert_false(vg_container_from_cgroup("/system.slice/cron.service", id, &runtime));
	assert_string_equal(id, "");
	assert_null(runtime);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_containerd),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_nspawn),
		cmocka_unit_test(test_lxc),
		cmocka_unit_test(test_nested_is_innermost),
		cmocka_unit_test(test_host_paths),
		cmocka_unit_test(test_lookalikes_stay_on_host),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

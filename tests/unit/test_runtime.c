/* test_runtime.c — container names from runtime state: a fixture host root
 * (tests/unit/runtime_fixtures) with the files docker, podman, cri-o and containerd keep,
 * including Kubernetes labels and annotations and a truncated file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "proc/runtime.h"

#define ROOT "tests/unit/runtime_fixtures"
#define ID(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

struct expect {
	const char *runtime, *id, *name, *pod, *ns, *image; /* name NULL: not found */
};

static void check(const struct expect *e)
{
	struct vg_container_meta m;
	bool found = vg_container_meta_read(ROOT, e->runtime, e->id, &m);

	if (found != (e->name != NULL))
		fail_msg("%s %.12s: found=%d", e->runtime, e->id, found);
	if (!e->name) {
		assert_string_equal(m.name, "");
		return;
	}
	assert_string_equal(m.name, e->name);
	assert_string_equal(m.pod, e->pod);
	assert_string_equal(m.pod_namespace, e->ns);
	assert_string_equal(m.image, e->image);
}

static void test_docker(void **state)
{
	check(&(struct expect){ "docker", ID("1"), "web", "", "", "nginx:1.27" });
}

static void test_docker_kubernetes_labels(void **state)
{
	check(&(struct expect){ "docker", ID("2"), "app", "shop-7d9", "prod", "registry/shop:3" });
}

static void test_podman_storage_list(void **state)
{
	check(&(struct expect){ "podman", ID("3"), "db", "", "", "" });
}

static void test_crio_bundle_annotations(void **state)
{
	check(&(struct expect){ "cri-o", ID("4"), "api", "api-5f", "default", "quay.io/x/api:1" });
}

static void test_containerd_kubernetes_and_nerdctl(void **state)
{
	check(&(struct expect){ "containerd", ID("5"), "worker", "jobs-abc", "batch", "docker.io/library/busybox:1.36" });
	check(&(struct expect){ "containerd", ID("6"), "cache", "", "", "" });
}

static void test_missing_and_malformed(void **state)
{
	check(&(struct expect){ "docker", ID("7"), NULL, NULL, NULL, NULL }); /* truncated JSON */
	check(&(struct expect){ "docker", ID("8"), NULL, NULL, NULL, NULL }); /* no state */
	check(&(struct expect){ "podman", ID("6"), NULL, NULL, NULL, NULL }); /* a longer id is no match */
	check(&(struct expect){ "lxc", "web", NULL, NULL, NULL, NULL });      /* named in its cgroup */
	check(&(struct expect){ "docker", "../../../etc", NULL, NULL, NULL, NULL });
	check(&(struct expect){ NULL, ID("1"), NULL, NULL, NULL, NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_docker_kubernetes_labels),
		cmocka_unit_test(test_podman_storage_list),
		cmocka_unit_test(test_crio_bundle_annotations),
		cmocka_unit_test(test_containerd_kubernetes_and_nerdctl),
		cmocka_unit_test(test_missing_and_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

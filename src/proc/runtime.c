/* runtime.c — container names from the runtimes' state files (see runtime.h). The files
 * are JSON written by the runtimes; jansson parses them (they are read once per container,
 * never per event). Every lookup is bounded: a missing or malformed file is "not found". */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "proc/runtime.h"

const char *vg_host_root(void)
{
	const char *root = getenv("VIGIL_HOST_ROOT");

	return root ? root : "";
}

static void copy(char *dst, size_t size, const char *src)
{
	if (src && !dst[0])
		snprintf(dst, size, "%s", src);
}

static const char *get_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static json_t *load(const char *path)
{
	return json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
}

/* Kubernetes labels (dockershim) or annotations (CRI runtimes), whichever names apply. */
static void kubernetes(json_t *kv, struct vg_container_meta *m)
{
	copy(m->name, sizeof(m->name), get_str(kv, "io.kubernetes.container.name"));
	copy(m->name, sizeof(m->name), get_str(kv, "io.kubernetes.cri.container-name"));
	copy(m->pod, sizeof(m->pod), get_str(kv, "io.kubernetes.pod.name"));
	copy(m->pod, sizeof(m->pod), get_str(kv, "io.kubernetes.cri.sandbox-name"));
	copy(m->pod_namespace, sizeof(m->pod_namespace), get_str(kv, "io.kubernetes.pod.namespace"));
	copy(m->pod_namespace, sizeof(m->pod_namespace), get_str(kv, "io.kubernetes.cri.sandbox-namespace"));
	copy(m->image, sizeof(m->image), get_str(kv, "io.kubernetes.cri.image-name"));
	copy(m->image, sizeof(m->image), get_str(kv, "io.kubernetes.cri-o.ImageName"));
	copy(m->name, sizeof(m->name), get_str(kv, "nerdctl/name"));
}

static bool docker(const char *root, const char *id, struct vg_container_meta *m)
{
	char path[4096];
	json_t *j, *config;
	const char *name;

	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/config.v2.json", root, id);
	if (!(j = load(path)))
		return false;
	config = json_object_get(j, "Config");
	kubernetes(json_object_get(config, "Labels"), m);
	name = get_str(j, "Name");
	copy(m->name, sizeof(m->name), name && name[0] == '/' ? name + 1 : name);
	copy(m->image, sizeof(m->image), get_str(config, "Image"));
	json_decref(j);
	return m->name[0] != 0;
}

/* An OCI bundle's config.json: its annotations. */
static bool oci_bundle(const char *path, struct vg_container_meta *m)
{
	json_t *j = load(path);

	if (!j)
		return false;
	kubernetes(json_object_get(j, "annotations"), m);
	json_decref(j);
	return m->name[0] != 0;
}

/* containers/storage's list of containers: podman's names (and cri-o's, as a fallback). */
static bool storage_list(const char *root, const char *id, struct vg_container_meta *m)
{
	char path[4096];
	json_t *j, *c;
	size_t i;

	snprintf(path, sizeof(path), "%s/var/lib/containers/storage/overlay-containers/containers.json", root);
	if (!(j = load(path)))
		return false;
	json_array_foreach(j, i, c) {
		const char *cid = get_str(c, "id");

		if (cid && strcmp(cid, id) == 0) {
			copy(m->name, sizeof(m->name), json_string_value(json_array_get(json_object_get(c, "names"), 0)));
			break;
		}
	}
	json_decref(j);
	return m->name[0] != 0;
}

static bool crio(const char *root, const char *id, struct vg_container_meta *m)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/var/lib/containers/storage/overlay-containers/%s/userdata/config.json",
		 root, id);
	return oci_bundle(path, m) || storage_list(root, id, m);
}

/* containerd keeps a bundle per namespace (k8s.io for Kubernetes, default for nerdctl). */
static bool containerd(const char *root, const char *id, struct vg_container_meta *m)
{
	char dir[4096], path[8192];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/run/containerd/io.containerd.runtime.v2.task", root);
	if (!(d = opendir(dir)))
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", dir, de->d_name, id);
		found = oci_bundle(path, m);
	}
	closedir(d);
	return found;
}

bool vg_container_meta_read(const char *root, const char *runtime, const char *id,
			    struct vg_container_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (!runtime || !id || !id[0] || strchr(id, '/'))
		return false;
	if (strcmp(runtime, "docker") == 0)
		return docker(root, id, m);
	if (strcmp(runtime, "podman") == 0)
		return storage_list(root, id, m);
	if (strcmp(runtime, "cri-o") == 0)
		return crio(root, id, m);
	if (strcmp(runtime, "containerd") == 0)
		return containerd(root, id, m);
	return false;
}

/* runtime.h — what a container runtime knows about a container that its cgroup does not:
 * its name (and Kubernetes pod and namespace, image), read from the runtime's own state on
 * the host (docker, podman, cri-o, containerd), so that tools and `vigil top` can say
 * "web" rather than "3f2a9c1b0d4e". */
#ifndef VIGIL_RUNTIME_H
#define VIGIL_RUNTIME_H

#include <stdbool.h>

struct vg_container_meta {
	char name[128];          /* the container's name; for Kubernetes, the container in its pod */
	char pod[128];           /* Kubernetes pod, "" otherwise */
	char pod_namespace[64];  /* Kubernetes namespace, "" otherwise */
	char image[256];         /* "" when the runtime's state does not say */
};

/* The host's filesystem as vigil sees it: $VIGIL_HOST_ROOT (when vigil itself runs in a
 * container with the host's / mounted somewhere), else "". */
const char *vg_host_root(void);

/* Reads the state runtime ("docker", "podman", "cri-o", "containerd", as
 * vg_container_from_cgroup names them) keeps for container id under root ("" for /):
 *   docker      var/lib/docker/containers/<id>/config.v2.json (Name, Config.Image, labels)
 *   podman      var/lib/containers/storage/overlay-containers/containers.json (names)
 *   cri-o       var/lib/containers/storage/overlay-containers/<id>/userdata/config.json
 *   containerd  run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>/config.json
 * (the OCI bundle's io.kubernetes.* / nerdctl annotations). systemd-nspawn and LXC name
 * their containers in the cgroup already. false (m cleared) when nothing is found. */
bool vg_container_meta_read(const char *root, const char *runtime, const char *id,
			    struct vg_container_meta *m);

#endif

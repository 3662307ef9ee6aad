/* container.h — which container, if any, a cgroup path belongs to. */
#ifndef VIGIL_CONTAINER_H
#define VIGIL_CONTAINER_H

#include <stdbool.h>

/* Recognises the cgroup layouts of docker, containerd (Kubernetes, nerdctl), cri-o,
 * podman, systemd-nspawn and LXC, under the cgroupfs and the systemd cgroup drivers, in
 * cgroup v1 and v2 paths (e.g. "/system.slice/docker-<64hex>.scope"; a whole
 * /proc/<pid>/cgroup line "N:controllers:/path" works too).
 * On a match returns true, id = the container id (the machine or container name for
 * systemd-nspawn and LXC, at most 64 characters) and *runtime = "docker", "containerd",
 * "cri-o", "podman", "systemd-nspawn" or "lxc". For a host process (and for a runtime's
 * own helpers such as conmon) returns false, id = "" and *runtime = NULL.
 * A container nested in another is attributed to the innermost one. runtime may be NULL. */
bool vg_container_from_cgroup(const char *cgroup_path, char id[65], const char **runtime);

#endif

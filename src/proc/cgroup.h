/* cgroup.h — the cgroup v2 hierarchy as BPF sees it: where it is mounted, the path of a
 * cgroup from its id (bpf_get_current_cgroup_id(), which outlives the processes in it),
 * and the directory a container's processes live under. */
#ifndef VIGIL_CGROUP_H
#define VIGIL_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host),
 * "" when it is not. */
const char *vg_cgroup2_mount(void);
/* The id of the hierarchy's root: the cgroup of every process on a host that does not
 * use cgroup v2. 0 without cgroup2. */
uint64_t vg_cgroup2_root_id(void);
/* The id of a cgroup v2 directory (its inode number), 0 when it is not one. */
uint64_t vg_cgroup_id_of(const char *dir);
/* The path of cgroup id below the hierarchy's root ("/system.slice/x.scope", "/" for the
 * root). -1 with errno when it is gone or cannot be opened (needs CAP_DAC_READ_SEARCH). */
int vg_cgroup_path(uint64_t id, char *path, size_t len);

/* The cgroup v2 directory (absolute) of the container `query` names: an id prefix, a name
 * (from the runtime's state, runtime.h, or the machine name of systemd-nspawn/LXC), or a
 * cgroup path below the hierarchy's root when it starts with '/'. The shallowest
 * directory of that container is its own. 0, or -1 with why ("no container", "matches
 * two containers"). */
int vg_cgroup_find_container(const char *query, char *dir, size_t len, char *why, size_t whylen);

#endif

/* procfs.h — reading a process's context from /proc, for processes vigil did not see
 * start (those alive before it, or whose exec/fork event was lost). */
#ifndef VIGIL_PROCFS_H
#define VIGIL_PROCFS_H

#include <sys/types.h>
#include "proc/proctable.h"

/* Fills p from /proc/<pid>; returns 0, or -1 when the process is gone (p keeps pid only). */
int vg_procfs_read(struct vg_proc *p, pid_t pid);
/* The cgroup path that names pid's container: its cgroup v2 path unless that is the root,
 * else its memory, pids or cpu v1 path (the choice the sensor's exec hook makes). -1 when
 * pid is gone. */
int vg_procfs_cgroup(pid_t pid, char *out, size_t size);
/* Adds every process in /proc to t; returns how many. */
int vg_procfs_scan(struct vg_proctable *t);
/* LD_PRELOAD, SSH_CONNECTION and HOME from a NUL-separated environment block. */
void vg_proc_set_env(struct vg_proc *p, const char *env, size_t len);
/* The same from /proc/<pid>/environ (for environments larger than the kernel copies). */
void vg_procfs_env(struct vg_proc *p, pid_t pid);
/* The inode of the agent's own namespace of a type ("mnt", "net", ... as nsfs names them,
 * len bytes), read once from /proc/self/ns; 0 when unknown. */
uint32_t vg_agent_ns_inum(const char *type, size_t len);
/* The namespaces of pid 1, which define "the host"; read once. */
void vg_host_ns_init(void);
/* Sets container id, runtime, cgroup and in_host from a cgroup path and namespaces. */
void vg_proc_set_container(struct vg_proc *p, const char *cgroup, uint32_t pidns, uint32_t mntns,
			   uint32_t netns);

#endif

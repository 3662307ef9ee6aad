/* context.c — vigil's process and container context for tool rows (see tool.h).
 *
 * Tools see a process through its record's header (pid, start time, uid, cgroup id), often
 * after it has exited. The exe comes from /proc while the process lives; the container
 * from the cgroup id (the cgroup usually outlives its processes: open_by_handle_at gives
 * its path), or from /proc/<pid>/cgroup where the process sits at the root of cgroup v2
 * (a host whose containers use cgroup v1). Names come from the runtime's state
 * (proc/runtime.h), else from the cgroup: the short id, or the machine name for
 * systemd-nspawn and LXC. Everything is cached in small direct-mapped tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc/cgroup.h"
#include "proc/container.h"
#include "proc/procfs.h"
#include "proc/runtime.h"
#include "proc/users.h"
#include "tools/tool.h"

#define PROC_SLOTS 4096
#define CGROUP_SLOTS 256
#define NAME_SLOTS 64

struct cgroup_slot {
	uint64_t cgroup_id;
	char id[65];
	const char *runtime;
	bool used;
};

struct name_slot {
	char id[65];
	char name[128];
};

static struct cgroup_slot cgroups[CGROUP_SLOTS];
static struct name_slot names[NAME_SLOTS];

static unsigned hash_str(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The container's name: the runtime's, else the cgroup's (a 12-digit short id for the
 * hex ids of docker and friends, the machine name otherwise). */
static void container_name(const char *id, const char *runtime, char name[128])
{
	struct name_slot *s = &names[hash_str(id) % NAME_SLOTS];
	struct vg_container_meta m;

	if (strcmp(s->id, id) != 0) {
		snprintf(s->id, sizeof(s->id), "%s", id);
		if (vg_container_meta_read(vg_host_root(), runtime, id, &m))
			snprintf(s->name, sizeof(s->name), "%s", m.name);
		else
			snprintf(s->name, sizeof(s->name), "%.*s", strlen(id) == 64 ? 12 : 64, id);
	}
	memcpy(name, s->name, sizeof(s->name));
}

void vg_tool_container_of(struct vg_tool_ctx *t, uint64_t cgroup_id, uint32_t pid, char id[65], char name[128],
			  const char **runtime)
{
	static uint64_t root_id;
	char path[4096];

	if (!root_id)
		root_id = vg_cgroup2_root_id();
	id[0] = name[0] = 0;
	*runtime = NULL;
	if (cgroup_id && cgroup_id != root_id) {
		struct cgroup_slot *s = &cgroups[cgroup_id % CGROUP_SLOTS];

		if (!s->used || s->cgroup_id != cgroup_id) {
			s->used = true;
			s->cgroup_id = cgroup_id;
			if (vg_cgroup_path(cgroup_id, path, sizeof(path)) < 0 ||
			    !vg_container_from_cgroup(path, s->id, &s->runtime)) {
				s->id[0] = 0;
				s->runtime = NULL;
			}
		}
		memcpy(id, s->id, sizeof(s->id));
		*runtime = s->runtime;
	} else if (pid && vg_procfs_cgroup((pid_t)pid, path, sizeof(path)) == 0 &&
		   !vg_container_from_cgroup(path, id, runtime)) {
		id[0] = 0;
		*runtime = NULL;
	}
	if (id[0])
		container_name(id, *runtime, name);
}

/* The real uid from /proc/<pid>/status, VG_TOOL_UID_UNKNOWN when it is gone. */
static uint32_t uid_of(uint32_t pid)
{
	char path[64], line[256];
	uint32_t uid = VG_TOOL_UID_UNKNOWN;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (!(f = fopen(path, "re")))
		return uid;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Uid:", 4) == 0) {
			uid = (uint32_t)strtoul(line + 4, NULL, 10);
			break;
		}
	fclose(f);
	return uid;
}

const struct vg_tool_proc *vg_tool_proc_of(struct vg_tool_ctx *t, uint32_t pid, uint64_t start_time,
					   uint64_t cgroup_id, uint32_t uid)
{
	struct vg_tool_proc *p;
	char link[64];
	ssize_t n;

	if (!t->procs && !(t->procs = calloc(PROC_SLOTS, sizeof(*t->procs)))) {
		fputs("vigil: out of memory\n", stderr);
		abort();
	}
	p = &t->procs[pid % PROC_SLOTS];
	if (p->pid == pid && p->start_time == start_time && p->user[0])
		return p;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_time = start_time;
	if (uid == VG_TOOL_UID_UNKNOWN)
		uid = uid_of(pid);
	snprintf(p->user, sizeof(p->user), "%s", uid == VG_TOOL_UID_UNKNOWN ? "-" : vg_user_name(uid));
	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	n = readlink(link, p->exe, sizeof(p->exe) - 1);
	if (n > 0) {
		p->exe[n] = 0;
		if (n > 10 && strcmp(p->exe + n - 10, " (deleted)") == 0)
			p->exe[n - 10] = 0;
	} else {
		p->exe[0] = 0;
	}
	vg_tool_container_of(t, cgroup_id, pid, p->container_id, p->container_name, &p->runtime);
	return p;
}

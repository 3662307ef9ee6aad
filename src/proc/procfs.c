/* procfs.c — process context from /proc/<pid> (stat, status, exe, cmdline, cwd, cgroup,
 * ns, environ, loginuid), and host-namespace facts used to tell host from container. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proc/container.h"
#include "proc/procfs.h"

static uint32_t host_pidns, host_mntns;

static ssize_t slurp(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

static ssize_t link_of(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

static uint32_t ns_inum(pid_t pid, const char *ns)
{
	char what[32], buf[64];
	const char *open_br;

	snprintf(what, sizeof(what), "ns/%s", ns);
	if (link_of(pid, what, buf, sizeof(buf)) < 0 || !(open_br = strchr(buf, '[')))
		return 0;
	return (uint32_t)strtoul(open_br + 1, NULL, 10);
}

/* The host is pid 1's namespaces; where pid 1 hides them (a sandboxed init), vigil's
 * own, since a host agent runs in the host's namespaces. */
void vg_host_ns_init(void)
{
	host_pidns = ns_inum(1, "pid");
	host_mntns = ns_inum(1, "mnt");
	if (!host_pidns || !host_mntns) {
		host_pidns = ns_inum(getpid(), "pid");
		host_mntns = ns_inum(getpid(), "mnt");
	}
}

uint32_t vg_agent_ns_inum(const char *type, size_t len)
{
	static const char *const types[] = { "mnt", "net", "uts", "ipc", "pid", "user", "cgroup", "time" };
	static uint32_t inum[sizeof(types) / sizeof(types[0])];
	static bool known;

	if (!known) {
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			inum[i] = ns_inum(getpid(), types[i]);
		known = true;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i]) == len && memcmp(types[i], type, len) == 0)
			return inum[i];
	return 0;
}

void vg_proc_set_container(struct vg_proc *p, const char *cgroup, uint32_t pidns, uint32_t mntns,
			   uint32_t netns)
{
	struct vg_container *c = &p->container;

	snprintf(c->cgroup, sizeof(c->cgroup), "%s", cgroup);
	c->pidns = pidns;
	c->mntns = mntns;
	c->netns = netns;
	c->in_host = pidns == host_pidns && mntns == host_mntns;
	if (!vg_container_from_cgroup(cgroup, c->id, &c->runtime)) {
		c->id[0] = 0;
		c->runtime = NULL;
	}
}

/* The cgroup that names a container: the v2 line when it is not the root, else the
 * first v1 line of memory, pids or cpu (the same choice the BPF side makes). */
static void pick_cgroup(char *cg, char *out, size_t size)
{
	static const char *const v1[] = { "memory", "pids", "cpu" };
	char *line, *save = NULL;
	char v1path[3][512] = { "", "", "" };

	snprintf(out, size, "/");
	for (line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (!path)
			continue;
		*path++ = 0;
		ctrl++;
		if (*ctrl == 0 && strcmp(path, "/") != 0) {
			snprintf(out, size, "%s", path);
			return;
		}
		for (int i = 0; i < 3; i++) {
			char *tok, *csave = NULL, list[128];

			snprintf(list, sizeof(list), "%s", ctrl);
			for (tok = strtok_r(list, ",", &csave); tok; tok = strtok_r(NULL, ",", &csave))
				if (strcmp(tok, v1[i]) == 0 && strcmp(path, "/") != 0)
					snprintf(v1path[i], sizeof(v1path[i]), "%s", path);
		}
	}
	for (int i = 0; i < 3; i++)
		if (v1path[i][0]) {
			snprintf(out, size, "%s", v1path[i]);
			return;
		}
}

int vg_procfs_cgroup(pid_t pid, char *out, size_t size)
{
	char buf[8192];

	if (slurp(pid, "cgroup", buf, sizeof(buf)) <= 0)
		return -1;
	pick_cgroup(buf, out, size);
	return 0;
}

static void env_var(const char *env, size_t len, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i < len;) {
		const char *s = env + i;
		size_t slen = strnlen(s, len - i);

		if (slen > nlen && memcmp(s, name, nlen) == 0 && s[nlen] == '=') {
			size_t vlen = slen - nlen - 1;

			if (vlen >= size)
				vlen = size - 1;
			memcpy(out, s + nlen + 1, vlen);
			out[vlen] = 0;
			return;
		}
		i += slen + 1;
	}
}

void vg_proc_set_env(struct vg_proc *p, const char *env, size_t len)
{
	p->ld_preload[0] = p->ssh_connection[0] = p->env_home[0] = 0;
	env_var(env, len, "LD_PRELOAD", p->ld_preload, sizeof(p->ld_preload));
	env_var(env, len, "SSH_CONNECTION", p->ssh_connection, sizeof(p->ssh_connection));
	env_var(env, len, "HOME", p->env_home, sizeof(p->env_home));
}

void vg_procfs_env(struct vg_proc *p, pid_t pid)
{
	static char env[1 << 17];
	ssize_t n = slurp(pid, "environ", env, sizeof(env));

	if (n > 0)
		vg_proc_set_env(p, env, (size_t)n);
}

static void read_ids(struct vg_proc *p, const char *status)
{
	const char *u = strstr(status, "\nUid:"), *g = strstr(status, "\nGid:");
	unsigned a, b;

	if (u && sscanf(u + 5, "%u %u", &a, &b) == 2)
		p->uid = a, p->euid = b;
	if (g && sscanf(g + 5, "%u %u", &a, &b) == 2)
		p->gid = a, p->egid = b;
}

int vg_procfs_read(struct vg_proc *p, pid_t pid)
{
	static char *big;
	const size_t big_size = 65536;
	char buf[4096], cg[512];
	unsigned long long start = 0;
	int ppid = 0, pgid = 0, sid = 0, tty_nr = 0;
	ssize_t n;
	char *comm_end;

	if (!big && !(big = malloc(big_size)))
		abort();
	p->pid = pid;
	p->from_proc = true;
	if (slurp(pid, "stat", buf, sizeof(buf)) < 0 || !(comm_end = strrchr(buf, ')')))
		return -1;
	{
		char *comm_start = strchr(buf, '(');
		size_t clen = comm_start ? (size_t)(comm_end - comm_start - 1) : 0;

		if (clen >= sizeof(p->comm))
			clen = sizeof(p->comm) - 1;
		memcpy(p->comm, comm_start + 1, clen);
		p->comm[clen] = 0;
	}
	/* fields after comm: state ppid pgrp session tty_nr ... starttime is field 22 */
	if (sscanf(comm_end + 2, "%*c %d %d %d %d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &ppid, &pgid, &sid, &tty_nr, &start) == 5) {
		p->ppid = ppid;
		p->pgid = pgid;
		p->sid = sid;
		p->start_time = start * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
		p->exec_time = p->start_time;
	}
	snprintf(p->exec_id, sizeof(p->exec_id), "%llu-%d", (unsigned long long)p->exec_time, pid);
	if (slurp(pid, "status", buf, sizeof(buf)) > 0)
		read_ids(p, buf);
	p->auid = (uint32_t)-1;
	if (slurp(pid, "loginuid", buf, sizeof(buf)) > 0)
		p->auid = (uint32_t)strtoul(buf, NULL, 10);
	if ((n = link_of(pid, "exe", big, big_size)) > 0) {
		const char *del = " (deleted)";

		p->exe_deleted = n > 10 && strcmp(big + n - 10, del) == 0;
		vg_proc_set_str(&p->exe, big, p->exe_deleted ? (size_t)n - 10 : (size_t)n);
	}
	if ((n = slurp(pid, "cmdline", big, big_size)) > 0)
		vg_proc_set_argv(p, big, (size_t)n);
	if ((n = link_of(pid, "cwd", big, big_size)) > 0)
		vg_proc_set_str(&p->cwd, big, (size_t)n);
	vg_procfs_env(p, pid);
	if (tty_nr && link_of(pid, "fd/0", buf, sizeof(buf)) > 0 && strncmp(buf, "/dev/", 5) == 0)
		snprintf(p->tty, sizeof(p->tty), "%s", buf + 5);
	if (vg_procfs_cgroup(pid, cg, sizeof(cg)) < 0)
		snprintf(cg, sizeof(cg), "/");
	vg_proc_set_container(p, cg, ns_inum(pid, "pid"), ns_inum(pid, "mnt"), ns_inum(pid, "net"));
	if (p->container.in_host)
		gethostname(p->container.nodename, sizeof(p->container.nodename) - 1);
	return 0;
}

int vg_procfs_scan(struct vg_proctable *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t *pids = NULL;
	size_t count = 0, cap = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (vg_procfs_read(vg_proctable_insert(t, pid), pid) != 0)
			continue;
		if (count == cap && !(pids = realloc(pids, (cap = cap ? 2 * cap : 1024) * sizeof(*pids))))
			abort();
		pids[count++] = pid;
	}
	closedir(d);
	/* every parent is in the table now: link the chain */
	for (size_t i = 0; i < count; i++) {
		struct vg_proc *p = vg_proctable_get(t, pids[i]), *parent;

		if (p && (parent = vg_proctable_get(t, p->ppid)))
			snprintf(p->parent_exec_id, sizeof(p->parent_exec_id), "%s", parent->exec_id);
	}
	free(pids);
	return (int)count;
}

/* procs.c — hidden_processes: processes the kernel runs that /proc does not show. The
 * kernel's list comes from a task iterator (bpf/integrity.bpf.c: the kernel's own pid
 * table, which a getdents hook or a library preloaded into ps does not touch), /proc's from
 * readdir; a process in the first and not in the second, still alive when looked at again,
 * is hidden. A mount over /proc/PID (an empty directory, another process's /proc entry)
 * hides a process from everything that reads /proc while leaving it listed: every such
 * mount is reported too, named with the process the kernel runs under that pid. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "integrity/internal.h"

struct hidden {
	struct vg_kmem *km;
};

static int cmp_pid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The pids readdir(/proc) lists, sorted; how many (*out malloc'd). */
static size_t listed_pids(uint32_t **out)
{
	DIR *d = opendir("/proc");
	size_t n = 0, cap = 1024;
	uint32_t *pids = malloc(cap * sizeof(*pids));
	struct dirent *e;

	while (d && pids && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (n == cap) {
			uint32_t *more = realloc(pids, (cap *= 2) * sizeof(*pids));

			if (!more)
				break;
			pids = more;
		}
		pids[n++] = (uint32_t)strtoul(e->d_name, NULL, 10);
	}
	if (d)
		closedir(d);
	if (pids)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	*out = pids;
	return pids ? n : 0;
}

static bool listed(const uint32_t *pids, size_t n, uint32_t pid)
{
	return n && bsearch(&pid, pids, n, sizeof(pid), cmp_pid);
}

static bool prepare(const struct vg_integrity_opts *o, void **state, char *why, size_t len)
{
	struct hidden *h = calloc(1, sizeof(*h));
	struct vg_ktask *t = NULL;
	size_t n = 0;

	if (!h || !(h->km = vg_kmem_open(why, len))) {
		free(h);
		return false;
	}
	if (vg_kmem_tasks(h->km, &t, &n) < 0 || n == 0) {
		snprintf(why, len, "the kernel's task iterator (iter/task) does not run here: %s", strerror(errno));
		vg_kmem_close(h->km);
		free(h);
		free(t);
		return false;
	}
	free(t);
	snprintf(why, len, "the kernel's tasks (iter/task, %zu now) against readdir(/proc); mounts over /proc/PID", n);
	*state = h;
	return true;
}

static const struct vg_ktask *task_of(const struct vg_ktask *t, size_t n, uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].pid == pid)
			return &t[i];
	return NULL;
}

/* Mount points /proc/PID[/...] in the agent's mount namespace (/proc/self/mountinfo). */
static void report_overmounts(struct vg_reporter *r, const struct vg_ktask *t, size_t n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char root[1024], point[1024], fstype[64] = "", source[512] = "", detail[2048], comm[32] = "";
		const char *sep = strstr(line, " - ");
		const struct vg_ktask *task;
		unsigned pid;

		char after;

		if (sscanf(line, "%*u %*u %*s %1023s %1023s", root, point) != 2 || !sep || strncmp(point, "/proc/", 6) ||
		    !isdigit((unsigned char)point[6]))
			continue;
		after = point[6 + strspn(point + 6, "0123456789")];
		if (after != '/' && after != 0)
			continue; /* /proc/sys/..., not a process */
		pid = (unsigned)strtoul(point + 6, NULL, 10);
		sscanf(sep + 3, "%63s %511s", fstype, source);
		task = task_of(t, n, pid);
		if (task)
			snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(task->comm), task->comm);
		snprintf(detail, sizeof(detail), "%s %s (root %s) is mounted over %s: /proc shows it in place of %s", fstype,
			 source, root, point, task ? comm : "a process that no longer runs");
		vg_report(r, &(struct vg_finding){ .finding = "overmounted", .subject = point, .detail = detail, .id = pid,
						   .owner_pid = task ? pid : 0, .owner_name = comm });
	}
	if (f)
		fclose(f);
}

static void run(void *state, struct vg_reporter *r)
{
	struct hidden *h = state;
	struct vg_ktask *t = NULL;
	uint32_t *pids = NULL, *again = NULL;
	size_t n = 0, np, na = 0;
	struct timespec now;

	if (vg_kmem_tasks(h->km, &t, &n) < 0)
		return;
	np = listed_pids(&pids);
	clock_gettime(CLOCK_BOOTTIME, &now);
	for (size_t i = 0; i < n; i++) {
		char comm[32], detail[512];

		if (listed(pids, np, t[i].pid))
			continue;
		/* started or exited between the two lists? look again */
		if (!again)
			na = listed_pids(&again);
		if (listed(again, na, t[i].pid) || (kill((pid_t)t[i].pid, 0) < 0 && errno == ESRCH))
			continue;
		snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(t[i].comm), t[i].comm);
		snprintf(detail, sizeof(detail),
			 "the kernel runs pid %u (%s, parent %u, started %llds ago) and readdir(/proc) does not list it",
			 t[i].pid, comm, t[i].ppid,
			 (long long)(now.tv_sec - (time_t)(t[i].start_time / 1000000000ull)));
		vg_report(r, &(struct vg_finding){ .finding = "hidden", .subject = comm, .detail = detail, .id = t[i].pid,
						   .owner_pid = t[i].pid, .owner_name = comm });
	}
	report_overmounts(r, t, n);
	free(t);
	free(pids);
	free(again);
}

static void release(void *state)
{
	struct hidden *h = state;

	vg_kmem_close(h->km);
	free(h);
}

const struct vg_check vg_check_hidden_processes = { prepare, run, release };

/* record.c — `vigil seccomp record`: loads bpf/seccomp.bpf.c for one target, lets it record
 * until the target is done (or the duration, or SIGINT/SIGTERM), and turns the bitmap into
 * the application sections of a profile, one per ABI, named through libseccomp.
 *
 * Targets: a cgroup v2 path, or a container (its cgroup when it has its own v2 cgroup, else
 * its processes), or a process and its descendants, or a command vigil starts. The command
 * is forked stopped (it waits on a pipe), its pid enters the target set armed, and only
 * then is it released to exec: recording starts at the exec, so its first syscall is
 * recorded and none of vigil's code before it; the execve that starts it is added (a
 * runtime execs the application under the profile too). On the way out a command still running gets SIGTERM and is
 * recorded while it shuts down. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "proc/container.h"
#include "seccomp.skel.h"
#include "seccomp/seccomp.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define TERM_GRACE_S 10

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = sig;
}

/* ---- the BPF object ---- */

enum { PROG_RECORD, PROG_FOLLOW, PROG_FORGET, PROG_ARM, NPROGS };

struct recorder {
	struct seccomp_bpf *skel;
	struct bpf_link *links[NPROGS];
};

static struct bpf_program *prog(struct seccomp_bpf *s, int which, bool btf)
{
	switch (which) {
	case PROG_RECORD: return btf ? s->progs.vg_seccomp_record_sys_enter_btf : s->progs.vg_seccomp_record_sys_enter_raw;
	case PROG_FOLLOW:
		return btf ? s->progs.vg_seccomp_record_sched_process_fork_btf : s->progs.vg_seccomp_record_sched_process_fork_raw;
	case PROG_ARM:
		return btf ? s->progs.vg_seccomp_record_sched_process_exec_btf : s->progs.vg_seccomp_record_sched_process_exec_raw;
	default:
		return btf ? s->progs.vg_seccomp_record_sched_process_exit_btf : s->progs.vg_seccomp_record_sched_process_exit_raw;
	}
}

static void rec_close(struct recorder *r)
{
	for (int i = 0; i < NPROGS; i++)
		bpf_link__destroy(r->links[i]);
	seccomp_bpf__destroy(r->skel);
	*r = (struct recorder){ 0 };
}

/* Loads the programs in `use` (tp_btf where the kernel has it, else raw_tp), for a cgroup
 * target (cgroup_id != 0) or the tgid set; nothing attached yet. */
static int rec_open(struct recorder *r, const struct vg_features *f, const bool use[NPROGS], uint64_t cgroup_id,
		    unsigned level, char *why, size_t len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		bool btf = f->tp_btf && attempt == 0;
		struct bpf_program *p;
		int err;

		r->skel = seccomp_bpf__open();
		if (!r->skel) {
			snprintf(why, len, "cannot open the seccomp BPF object: %s", strerror(errno));
			return -1;
		}
		r->skel->rodata->vg_sc_cgroup_id = cgroup_id;
		r->skel->rodata->vg_sc_cgroup_level = level;
		bpf_object__for_each_program(p, r->skel->obj)
			bpf_program__set_autoload(p, false);
		for (int i = 0; i < NPROGS; i++)
			if (use[i])
				bpf_program__set_autoload(prog(r->skel, i, btf), true);
		if ((err = seccomp_bpf__load(r->skel)) == 0)
			return 0;
		snprintf(why, len, "the seccomp BPF programs do not load (%s): %s", btf ? "tp_btf" : "raw_tp",
			 strerror(-err));
		rec_close(r);
		if (!f->tp_btf || !f->raw_tp)
			break;
	}
	return -1;
}

static bool rec_btf(const struct recorder *r)
{
	for (int i = 0; i < NPROGS; i++)
		if (bpf_program__autoload(prog(r->skel, i, true)))
			return true;
	return false;
}

/* The follower, forgetter and arming first, then the recorder: no fork is missed. */
static int rec_attach(struct recorder *r, const bool use[NPROGS], char *why, size_t len)
{
	static const int order[NPROGS] = { PROG_FOLLOW, PROG_FORGET, PROG_ARM, PROG_RECORD };

	for (int i = 0; i < NPROGS; i++) {
		int which = order[i];

		if (!use[which])
			continue;
		r->links[which] = bpf_program__attach(prog(r->skel, which, rec_btf(r)));
		if (!r->links[which]) {
			snprintf(why, len, "cannot attach %s: %s", bpf_program__name(prog(r->skel, which, rec_btf(r))),
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int rec_add_pid(struct recorder *r, pid_t pid, __u8 state)
{
	__u32 tgid = (__u32)pid;

	return bpf_map_update_elem(bpf_map__fd(r->skel->maps.vg_seccomp_tgids), &tgid, &state, BPF_ANY);
}

static bool rec_has_pid(const struct recorder *r, pid_t pid)
{
	__u32 tgid = (__u32)pid;
	__u8 on;

	return bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.vg_seccomp_tgids), &tgid, &on) == 0;
}

static bool rec_no_pids(const struct recorder *r)
{
	__u32 key;

	return bpf_map_get_next_key(bpf_map__fd(r->skel->maps.vg_seccomp_tgids), NULL, &key) != 0;
}

/* ---- targets ---- */

static bool cgroup2_root(char *out, size_t len)
{
	FILE *f = fopen("/proc/mounts", "re");
	char dev[256], dir[512], type[64];
	bool found = false;

	if (!f)
		return false;
	while (!found && fscanf(f, "%255s %511s %63s %*[^\n]", dev, dir, type) == 3)
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(out, len, "%s", dir);
			found = true;
		}
	fclose(f);
	return found;
}

/* A cgroup v2 directory's id (its inode) and level (its depth below the root). */
static int cgroup_target(const char *path, uint64_t *id, unsigned *level, char *why, size_t len)
{
	char root[512], full[1024];
	struct statfs sfs;
	struct stat st;
	const char *rel;

	if (!cgroup2_root(root, sizeof(root))) {
		snprintf(why, len, "no cgroup v2 hierarchy is mounted");
		return -1;
	}
	if (strncmp(path, root, strlen(root)) == 0 && (path[strlen(root)] == '/' || !path[strlen(root)]))
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", root, path[0] == '/' ? path + 1 : path);
	if (stat(full, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "cgroup %s: %s", full, errno ? strerror(errno) : "not a directory");
		return -1;
	}
	if (statfs(full, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(why, len, "%s is not in a cgroup v2 hierarchy", full);
		return -1;
	}
	*id = st.st_ino;
	*level = 0;
	for (rel = full + strlen(root); *rel; rel++)
		if (*rel == '/' && rel[1] && rel[1] != '/')
			(*level)++;
	if (*level == 0) {
		snprintf(why, len, "%s is the root cgroup: that is the whole machine", full);
		return -1;
	}
	return 0;
}

struct pids {
	int n;
	pid_t *v;
};

static void pids_add(struct pids *p, pid_t pid)
{
	p->v = realloc(p->v, (p->n + 1) * sizeof(*p->v));
	if (!p->v)
		abort();
	p->v[p->n++] = pid;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *paren;
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "re")))
		return 0;
	if (fgets(buf, sizeof(buf), f) && (paren = strrchr(buf, ')')))
		sscanf(paren + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* Every process now alive, for the callbacks below. */
static struct pids all_pids(void)
{
	struct pids all = { 0 };
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			pids_add(&all, atoi(de->d_name));
	if (d)
		closedir(d);
	return all;
}

/* pid and its descendants alive now. */
static struct pids tree_of(pid_t root)
{
	struct pids all = all_pids(), tree = { 0 };
	bool grew = true;

	pids_add(&tree, root);
	while (grew) {
		grew = false;
		for (int i = 0; i < all.n; i++) {
			pid_t pp;
			bool in = false;

			if (!all.v[i])
				continue;
			pp = parent_of(all.v[i]);
			for (int j = 0; j < tree.n && !in; j++)
				in = tree.v[j] == pp;
			if (in) {
				pids_add(&tree, all.v[i]);
				all.v[i] = 0;
				grew = true;
			}
		}
	}
	free(all.v);
	return tree;
}

/* A container's processes, and its cgroup v2 path when it has one of its own. */
static int container_target(const char *want, struct pids *pids, char *cgroup, size_t cglen, char *why, size_t len)
{
	struct pids all = all_pids();
	char match[65] = "";

	cgroup[0] = 0;
	for (int i = 0; i < all.n; i++) {
		char path[64], line[1024], id[65], v2[1024] = "";
		bool ours = false;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/cgroup", all.v[i]);
		if (!(f = fopen(path, "re")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (strncmp(line, "0::", 3) == 0)
				snprintf(v2, sizeof(v2), "%s", line + 3);
			if (vg_container_from_cgroup(line, id, NULL) && strncmp(id, want, strlen(want)) == 0) {
				if (match[0] && strcmp(match, id)) {
					fclose(f);
					free(all.v);
					snprintf(why, len, "container id '%s' is ambiguous: %s and %s", want, match, id);
					return -1;
				}
				snprintf(match, sizeof(match), "%s", id);
				ours = true;
			}
		}
		fclose(f);
		if (!ours)
			continue;
		pids_add(pids, all.v[i]);
		if (strcmp(v2, "/") && v2[0] && (!cgroup[0] || strlen(v2) < strlen(cgroup)))
			snprintf(cgroup, cglen, "%s", v2);
	}
	free(all.v);
	if (!pids->n) {
		snprintf(why, len, "no running container matches '%s'", want);
		return -1;
	}
	if (cgroup[0] && !vg_container_from_cgroup(cgroup, match, NULL))
		cgroup[0] = 0; /* its v2 cgroup is not its own (a hybrid host's shared scope) */
	return 0;
}

/* ---- the command ---- */

/* Forks argv stopped: it execs when gate is written to. */
static pid_t start_stopped(char *const argv[], int *gate, char *why, size_t len)
{
	char path[4096];
	int p[2];
	pid_t pid;

	if (!vg_sc_resolve(argv[0], path, sizeof(path))) {
		snprintf(why, len, "%s: command not found", argv[0]);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		snprintf(why, len, "cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char go;

		close(p[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (read(p[0], &go, 1) == 1)
			execv(path, argv);
		_exit(127);
	}
	close(p[0]);
	*gate = p[1];
	return pid;
}

/* ---- the recording ---- */

/* exec: the command was armed, so its execve (vigil's, before the exec) is added. */
static void collect(const struct recorder *r, struct vg_sc_profile *p, bool quiet, bool exec)
{
	struct vg_seccomp_seen seen;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.vg_seccomp_seen), &zero, &seen) < 0)
		memset(&seen, 0, sizeof(seen));
	for (int abi = 0; abi < VG_SC_ABI__COUNT; abi++) {
		const char *arch = vg_sc_abi_arch(abi);
		char section[96];
		int n = 0;

		snprintf(section, sizeof(section), VG_SC_SECTION_APP " (%s)", arch);
		if (exec && abi == VG_SC_ABI_NATIVE) { /* vigil started it natively */
			vg_sc_profile_add_arch(p, arch);
			vg_sc_profile_add(p, "SCMP_ACT_ALLOW", false, 0, section, "execve");
		}
		for (int nr = 0; nr < VG_SECCOMP_NR_MAX; nr++) {
			char *name;

			if (!(seen.bits[abi][nr / 64] >> (nr % 64) & 1))
				continue;
			if (!n++)
				vg_sc_profile_add_arch(p, arch);
			if (!(name = vg_sc_syscall_name(arch, nr))) {
				fprintf(stderr, "vigil: syscall %d of %s has no name in libseccomp: left out\n", nr, arch);
				continue;
			}
			vg_sc_profile_add(p, "SCMP_ACT_ALLOW", false, 0, section, name);
			free(name);
		}
		if (!quiet && n)
			fprintf(stderr, "vigil: %s: %d syscalls\n", arch, n);
	}
	if (seen.out_of_range)
		fprintf(stderr, "vigil: %llu calls had a syscall number of %d or more: not recorded\n",
			(unsigned long long)seen.out_of_range, VG_SECCOMP_NR_MAX);
	if (seen.unfollowed)
		fprintf(stderr, "vigil: %llu new processes of the target were not followed (the pid table of %d was "
				"full): the profile may lack what they did\n",
			(unsigned long long)seen.unfollowed, VG_SECCOMP_PIDS_MAX);
}

static void sleep_100ms(void)
{
	struct timespec ts = { 0, 100 * 1000000 };

	nanosleep(&ts, NULL);
}

/* Waits for pid for up to seconds; true when it exited (reaped, status set). */
static bool reap(pid_t pid, double seconds, int *status)
{
	for (double t = 0; t < seconds; t += 0.1) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		sleep_100ms();
	}
	return false;
}

int vg_sc_record(const struct vg_sc_record_opts *o, const struct vg_features *f, struct vg_sc_profile *p,
		 int *status, char *why, size_t len)
{
	const struct vg_sc_target *t = &o->target;
	bool use[NPROGS] = { [PROG_RECORD] = true };
	struct sigaction sa = { .sa_handler = on_stop }, old_int, old_term;
	struct recorder r = { 0 };
	struct pids seeds = { 0 };
	char cgroup[1024] = "";
	uint64_t cgid = 0, started, deadline;
	unsigned level = 0;
	pid_t child = -1;
	int gate = -1, rc = -1;

	*status = -1;
	if (t->cgroup)
		snprintf(cgroup, sizeof(cgroup), "%s", t->cgroup);
	else if (t->container && container_target(t->container, &seeds, cgroup, sizeof(cgroup), why, len) < 0)
		goto out;
	else if (t->pid)
		seeds = tree_of(t->pid);
	if (cgroup[0] && cgroup_target(cgroup, &cgid, &level, why, len) < 0)
		goto out;
	use[PROG_FOLLOW] = use[PROG_FORGET] = !cgid;
	use[PROG_ARM] = t->argv != NULL;
	if (t->pid && kill(t->pid, 0) < 0 && errno == ESRCH) {
		snprintf(why, len, "no process %d", t->pid);
		goto out;
	}
	/* attached before the seeds go in, so a fork after a seed is followed; a second walk
	 * catches what forked while the first was being seeded */
	if (rec_open(&r, f, use, cgid, level, why, len) < 0 || rec_attach(&r, use, why, len) < 0)
		goto out;
	for (int pass = 0; !cgid && pass < 2; pass++) {
		if (pass) {
			free(seeds.v);
			seeds = (struct pids){ 0 };
			if (t->pid)
				seeds = tree_of(t->pid);
			else if (t->container)
				container_target(t->container, &seeds, cgroup, sizeof(cgroup), why, len);
		}
		for (int i = 0; i < seeds.n; i++)
			rec_add_pid(&r, seeds.v[i], VG_SC_FOLLOWED);
	}
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (t->argv) {
		if ((child = start_stopped(t->argv, &gate, why, len)) < 0)
			goto restore;
		rec_add_pid(&r, child, VG_SC_ARMED);
		if (write(gate, "g", 1) != 1) {
			snprintf(why, len, "cannot release %s: %s", t->argv[0], strerror(errno));
			goto restore;
		}
		close(gate);
		gate = -1;
	}
	if (!o->quiet)
		fprintf(stderr, "vigil: recording the syscalls of %s%s (%s)\n",
			t->argv ? t->argv[0] : cgid ? "cgroup " : t->container ? "container " : "process ",
			t->argv ? "" : cgid ? cgroup : t->container ? t->container : "tree",
			rec_btf(&r) ? "tp_btf" : "raw_tp");
	started = vg_now_boot_ns();
	deadline = o->duration > 0 ? started + (uint64_t)(o->duration * 1e9) : 0;
	while (!stop_requested && !(deadline && vg_now_boot_ns() >= deadline)) {
		if (child > 0 && waitpid(child, status, WNOHANG) == child) {
			child = -1;
			break;
		}
		if (!t->argv && !cgid && rec_no_pids(&r))
			break; /* every process of the tree has exited */
		sleep_100ms();
	}
	if (child > 0) { /* still running: its shutdown is part of its life */
		kill(child, SIGTERM);
		if (!reap(child, TERM_GRACE_S, status)) {
			kill(child, SIGKILL);
			waitpid(child, status, 0);
		}
		child = -1;
	}
	collect(&r, p, o->quiet, t->argv != NULL);
	rc = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	if (gate >= 0)
		close(gate); /* an unreleased child exits */
	if (child > 0)
		waitpid(child, status, 0);
	rec_close(&r);
	free(seeds.v);
	return rc;
}

/* ---- the follower of verify ---- */

struct vg_sc_follower {
	struct recorder r;
};

struct vg_sc_follower *vg_sc_follow(pid_t root, const struct vg_features *f, char *why, size_t len)
{
	static const bool use[NPROGS] = { [PROG_FOLLOW] = true };
	struct vg_sc_follower *fl = calloc(1, sizeof(*fl));

	if (!fl)
		abort();
	if (rec_open(&fl->r, f, use, 0, 0, why, len) < 0 || rec_add_pid(&fl->r, root, VG_SC_FOLLOWED) < 0 ||
	    rec_attach(&fl->r, use, why, len) < 0) {
		vg_sc_follow_stop(fl);
		return NULL;
	}
	return fl;
}

bool vg_sc_followed(const struct vg_sc_follower *fl, pid_t pid)
{
	return rec_has_pid(&fl->r, pid);
}

void vg_sc_follow_stop(struct vg_sc_follower *fl)
{
	if (!fl)
		return;
	rec_close(&fl->r);
	free(fl);
}

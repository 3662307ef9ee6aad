/* bpfprogs.c — bpf_programs: every BPF program loaded in the kernel that another process
 * holds (through a program or link fd: /proc/PID/fdinfo names their ids), with what it is
 * attached to through links, and those no process holds at all (attached and left behind,
 * or pinned in bpffs): how BPF rootkits stay. The agent's own programs are left out. The
 * bpf event reports loads live; this check also sees programs loaded before the agent
 * started, or through a path its hooks did not see. Owners are looked up only when the
 * set of programs and links changed since the last pass. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "integrity/internal.h"

#define MAX_OBJS 4096
#define MAX_OWNERS 8

struct owner_ref {
	uint32_t id;   /* program or link id */
	bool link;
	uint32_t pid;
};

struct progs {
	uint64_t last_ids; /* hash of the id set the last pass saw */
};

static bool prepare(const struct vg_integrity_opts *o, void **state, char *why, size_t len)
{
	__u32 id = 0;

	if (bpf_prog_get_next_id(0, &id) < 0 && errno != ENOENT) {
		snprintf(why, len, "cannot list BPF programs: %s (needs CAP_SYS_ADMIN)", strerror(errno));
		return false;
	}
	if (!(*state = calloc(1, sizeof(struct progs)))) {
		snprintf(why, len, "out of memory");
		return false;
	}
	snprintf(why, len, "every loaded program and link by id, owners from /proc/PID/fdinfo");
	return true;
}

/* The ids of one kind (programs or links), ascending; how many. */
static size_t ids_of(bool link, uint32_t *ids, size_t max)
{
	__u32 id = 0;
	size_t n = 0;

	while (n < max && (link ? bpf_link_get_next_id(id, &id) : bpf_prog_get_next_id(id, &id)) == 0)
		ids[n++] = id;
	return n;
}

/* Every (prog_id or link_id, pid) of the processes' fds, from /proc/PID/fdinfo. */
static size_t scan_owners(struct owner_ref *refs, size_t max)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	size_t n = 0;

	while (proc && n < max && (pe = readdir(proc))) {
		char path[300], line[128];
		struct dirent *fe;
		DIR *fds;

		if (!isdigit((unsigned char)pe->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", pe->d_name);
		if (!(fds = opendir(path)))
			continue;
		while (n < max && (fe = readdir(fds))) {
			FILE *f;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pe->d_name, fe->d_name);
			if (!(f = fopen(path, "re")))
				continue;
			while (n < max && fgets(line, sizeof(line), f)) {
				unsigned id;

				if (sscanf(line, "prog_id: %u", &id) == 1 || sscanf(line, "link_id: %u", &id) == 1)
					refs[n++] = (struct owner_ref){ id, line[0] == 'l', (uint32_t)atoi(pe->d_name) };
			}
			fclose(f);
		}
		closedir(fds);
	}
	if (proc)
		closedir(proc);
	return n;
}

/* Adds pid to the owners of (id, link) found in refs to pids (unique, at most MAX_OWNERS). */
static size_t owners_of(const struct owner_ref *refs, size_t nrefs, uint32_t id, bool link, uint32_t *pids, size_t n)
{
	for (size_t i = 0; i < nrefs && n < MAX_OWNERS; i++) {
		bool dup = false;

		if (refs[i].id != id || refs[i].link != link)
			continue;
		for (size_t j = 0; j < n && !dup; j++)
			dup = pids[j] == refs[i].pid;
		if (!dup)
			pids[n++] = refs[i].pid;
	}
	return n;
}

/* A link, described once per pass: the program it attaches and to what. */
struct link {
	uint32_t id, prog_id;
	char what[160];
};

/* The raw tracepoint's name is asked for only once the link is known to be one: the same
 * bytes of bpf_link_info mean other things (a uprobe's file-name buffer) for other types. */
static void describe_link(uint32_t link_id, struct link *out)
{
	struct bpf_link_info info = { 0 };
	char tp[128] = "";
	__u32 ilen = sizeof(info);
	const char *type;
	int fd = bpf_link_get_fd_by_id(link_id);

	*out = (struct link){ .id = link_id };
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) == 0 && info.type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
		memset(&info, 0, sizeof(info));
		ilen = sizeof(info);
		info.raw_tracepoint.tp_name = (unsigned long)tp;
		info.raw_tracepoint.tp_name_len = sizeof(tp);
		if (bpf_obj_get_info_by_fd(fd, &info, &ilen) < 0)
			tp[0] = 0;
	}
	if (info.prog_id) {
		type = libbpf_bpf_link_type_str(info.type);
		out->prog_id = info.prog_id;
		snprintf(out->what, sizeof(out->what), "link %u %s%s%s", link_id, type ? type : "?", tp[0] ? " " : "", tp);
	}
	close(fd);
}

static void report_prog(struct vg_reporter *r, uint32_t id, const struct owner_ref *refs, size_t nrefs,
			const struct link *links, size_t nlinks, pid_t self)
{
	struct bpf_prog_info info = { 0 };
	__u32 ilen = sizeof(info);
	uint32_t pids[MAX_OWNERS];
	size_t npids, used = 0, oused = 0;
	char detail[1024], owner[1024] = "", name[64], comm[32] = "", exe[256] = "", tag[20];
	uint32_t first = 0;
	struct timespec now;
	const char *type;
	bool others = false;
	int fd = bpf_prog_get_fd_by_id(id);

	if (fd < 0)
		return; /* unloaded meanwhile */
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) < 0) {
		close(fd);
		return;
	}
	close(fd);
	npids = owners_of(refs, nrefs, id, false, pids, 0);
	type = libbpf_bpf_prog_type_str(info.type);
	clock_gettime(CLOCK_BOOTTIME, &now);
	for (int i = 0; i < 8; i++)
		snprintf(tag + 2 * i, 3, "%02x", info.tag[i]);
	used = (size_t)snprintf(detail, sizeof(detail), "type %s tag %s uid %u loaded %llds ago", type ? type : "?", tag,
				info.created_by_uid,
				(long long)(now.tv_sec - (time_t)(info.load_time / 1000000000ull)));
	for (size_t l = 0; l < nlinks; l++) {
		if (links[l].prog_id != id)
			continue;
		npids = owners_of(refs, nrefs, links[l].id, true, pids, npids);
		if (used < sizeof(detail))
			used += (size_t)snprintf(detail + used, sizeof(detail) - used, "; %s", links[l].what);
	}
	for (size_t i = 0; i < npids; i++)
		others |= pids[i] != (uint32_t)self;
	if (npids && !others)
		return; /* the agent's own */
	if (!npids && used < sizeof(detail))
		snprintf(detail + used, sizeof(detail) - used, "; no process holds it (attached and left, or pinned)");
	for (size_t i = 0; i < npids; i++) {
		char c[32], e[256];

		if (pids[i] == (uint32_t)self || !vg_proc_identity(pids[i], c, sizeof(c), e, sizeof(e)))
			continue;
		if (!first) {
			first = pids[i];
			snprintf(comm, sizeof(comm), "%s", c);
			snprintf(exe, sizeof(exe), "%s", e);
		}
		if (oused < sizeof(owner))
			oused += (size_t)snprintf(owner + oused, sizeof(owner) - oused, "%s%u %s %s", oused ? ", " : "",
						  pids[i], c, e);
	}
	snprintf(name, sizeof(name), "%s", info.name[0] ? info.name : "(unnamed)");
	vg_report(r, &(struct vg_finding){ .finding = npids ? "program" : "unowned", .subject = name, .detail = detail,
					   .id = id, .owner = owner, .owner_name = comm, .owner_exe = exe,
					   .owner_pid = first });
}

static void run(void *state, struct vg_reporter *r)
{
	struct progs *p = state;
	uint32_t *progs = malloc(MAX_OBJS * sizeof(uint32_t)), *links = malloc(MAX_OBJS * sizeof(uint32_t));
	struct link *described = NULL;
	struct owner_ref *refs = malloc(4 * MAX_OBJS * sizeof(*refs));
	size_t np, nl, nrefs;
	uint64_t h = VG_FNV_OFFSET;

	if (!progs || !links || !refs)
		goto out;
	np = ids_of(false, progs, MAX_OBJS);
	nl = ids_of(true, links, MAX_OBJS);
	for (size_t i = 0; i < np; i++)
		h = (h ^ progs[i]) * VG_FNV_PRIME;
	for (size_t i = 0; i < nl; i++)
		h = (h ^ (links[i] | 1ull << 32)) * VG_FNV_PRIME;
	if (h == p->last_ids) {
		vg_report_unchanged(r); /* nothing loaded or unloaded: the findings stand */
		goto out;
	}
	nrefs = scan_owners(refs, 4 * MAX_OBJS);
	if (nl && !(described = malloc(nl * sizeof(*described))))
		goto out; /* the set counts as changed again next pass */
	p->last_ids = h;
	for (size_t i = 0; i < nl; i++)
		describe_link(links[i], &described[i]);
	for (size_t i = 0; i < np; i++)
		report_prog(r, progs[i], refs, nrefs, described, nl, getpid());
out:
	free(described);
	free(progs);
	free(links);
	free(refs);
}

static void release(void *state)
{
	free(state);
}

const struct vg_check vg_check_bpf_programs = { prepare, run, release };

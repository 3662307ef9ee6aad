/* cgroup.c — cgroup v2 paths and ids (see cgroup.h). A cgroup's id is its kernfs node id,
 * which is the directory's inode number and the handle open_by_handle_at takes
 * (FILEID_KERNFS), so an id recorded by BPF can be turned back into a path as long as the
 * cgroup exists, even after its processes are gone. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proc/cgroup.h"
#include "proc/container.h"
#include "proc/runtime.h"

#define FILEID_KERNFS 0xfe
#define FIND_DEPTH 12

const char *vg_cgroup2_mount(void)
{
	static char mnt[256];
	static bool done;
	char line[1024], dev[256], dir[256], type[64];
	FILE *f;

	if (done)
		return mnt;
	done = true;
	if (!(f = fopen("/proc/self/mounts", "re")))
		return mnt;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %255s %63s", dev, dir, type) == 3 && strcmp(type, "cgroup2") == 0) {
			snprintf(mnt, sizeof(mnt), "%s", dir);
			break;
		}
	fclose(f);
	return mnt;
}

uint64_t vg_cgroup_id_of(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? (uint64_t)st.st_ino : 0;
}

uint64_t vg_cgroup2_root_id(void)
{
	return vg_cgroup2_mount()[0] ? vg_cgroup_id_of(vg_cgroup2_mount()) : 0;
}

int vg_cgroup_path(uint64_t id, char *path, size_t len)
{
	static int mount_fd = -1;
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	const char *mnt = vg_cgroup2_mount();
	char link[64], full[4096];
	size_t mlen = strlen(mnt);
	ssize_t n;
	int fd;

	if (!mnt[0]) {
		errno = ENOENT;
		return -1;
	}
	if (mount_fd < 0 && (mount_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	if ((fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, full, sizeof(full) - 1);
	close(fd);
	if (n < 0)
		return -1;
	full[n] = 0;
	if (strncmp(full, mnt, mlen) != 0 || (full[mlen] != '/' && full[mlen] != 0)) {
		errno = EXDEV; /* not below the mount we know: another namespace's view */
		return -1;
	}
	snprintf(path, len, "%s", full[mlen] ? full + mlen : "/");
	return 0;
}

struct find {
	const char *query;
	size_t qlen;
	char found_id[65];
	char dir[4096];
	int depth;
	int matches; /* distinct containers */
	char other[65];
};

static bool container_matches(struct find *f, const char *id, const char *runtime)
{
	struct vg_container_meta m;

	if (strncmp(id, f->query, f->qlen) == 0)
		return true;
	return vg_container_meta_read(vg_host_root(), runtime, id, &m) && strcmp(m.name, f->query) == 0;
}

/* Depth-first below dir (rel is its path below the root); remembers the shallowest
 * directory of each matching container. */
static void walk(struct find *f, const char *dir, const char *rel, int depth)
{
	const char *runtime;
	struct dirent *de;
	char id[65];
	DIR *d;

	if (depth > FIND_DEPTH)
		return;
	if (vg_container_from_cgroup(rel, id, &runtime) && container_matches(f, id, runtime)) {
		if (!f->found_id[0] || strcmp(f->found_id, id) == 0) {
			if (!f->found_id[0] || depth < f->depth) {
				snprintf(f->found_id, sizeof(f->found_id), "%s", id);
				snprintf(f->dir, sizeof(f->dir), "%s", dir);
				f->depth = depth;
				f->matches = 1;
			}
		} else if (strcmp(f->other, id) != 0) {
			snprintf(f->other, sizeof(f->other), "%s", id);
			f->matches++;
		}
		return; /* what is below belongs to the same container */
	}
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char sub[4096], subrel[4096];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		snprintf(subrel, sizeof(subrel), "%s/%s", strcmp(rel, "/") ? rel : "", de->d_name);
		walk(f, sub, subrel, depth + 1);
	}
	closedir(d);
}

int vg_cgroup_find_container(const char *query, char *dir, size_t len, char *why, size_t whylen)
{
	const char *mnt = vg_cgroup2_mount();
	struct find f = { .query = query, .qlen = strlen(query) };

	if (!mnt[0]) {
		snprintf(why, whylen, "no cgroup v2 hierarchy is mounted (-c filters on cgroup v2)");
		return -1;
	}
	if (query[0] == '/') {
		snprintf(dir, len, "%s%s", mnt, query);
		if (vg_cgroup_id_of(dir))
			return 0;
		snprintf(why, whylen, "no cgroup %s below %s", query, mnt);
		return -1;
	}
	if (f.qlen == 0) {
		snprintf(why, whylen, "empty container name");
		return -1;
	}
	walk(&f, mnt, "/", 0);
	if (f.matches > 1) {
		snprintf(why, whylen, "'%s' matches more than one container (%.12s, %.12s): give more of the id",
			 query, f.found_id, f.other);
		return -1;
	}
	if (!f.found_id[0]) {
		snprintf(why, whylen, "no container '%s' (by id prefix or name) on the cgroup v2 hierarchy at %s",
			 query, mnt);
		return -1;
	}
	snprintf(dir, len, "%s", f.dir);
	return 0;
}

/* pin.c — the sensor's maps and links pinned in bpffs, taken over by the next agent (see
 * pin.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/loader.h"
#include "loader/pin.h"
#include "wire_hash.h"

#define LINKS_PREFIX "links-"

void vg_pins_none(struct vg_pins *p)
{
	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	p->generation = 1;
}

static bool on_bpffs(const char *path)
{
	struct statfs fs;

	return statfs(path, &fs) == 0 && fs.f_type == BPF_FS_MAGIC;
}

/* mkdir -p, mode 0700 (pins are as good as root's BPF objects). */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* What an earlier agent left in dir's control map; false when there is none or it is not
 * of this build's shape. */
static bool read_control(const char *dir, struct vg_control *out)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	char path[PATH_MAX];
	bool ok = false;
	int fd;

	snprintf(path, sizeof(path), "%s/vg_control", dir);
	if ((fd = bpf_obj_get(path)) < 0)
		return false;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.value_size == sizeof(*out) &&
	    info.max_entries == 1)
		ok = bpf_map_lookup_elem(fd, &zero, out) == 0;
	close(fd);
	return ok;
}

/* The sensors still running are the earlier agent's: from now on this process is the agent
 * they do not report (loading the new object is its own activity, not an intruder's BPF). */
static void claim_control(const char *dir, const struct vg_control *prev)
{
	struct vg_control c = *prev;
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/vg_control", dir);
	if ((fd = bpf_obj_get(path)) < 0)
		return;
	c.self_pid = (__u32)getpid();
	vg_inode_key_of("/proc/self/exe", &c.self_exe);
	bpf_map_update_elem(fd, &zero, &c, BPF_ANY);
	close(fd);
}

int vg_pins_open(struct vg_pins *p, const char *dir, char *err, size_t errlen)
{
	vg_pins_none(p);
	if (snprintf(p->dir, sizeof(p->dir), "%s", dir) >= (int)sizeof(p->dir)) {
		snprintf(err, errlen, "--pin-dir %s: longer than %zu bytes", dir, sizeof(p->dir) - 1);
		return -1;
	}
	if (strncmp(dir, "/sys/fs/bpf/", 12) == 0 && !on_bpffs("/sys/fs/bpf") &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0) {
		snprintf(err, errlen, "no bpf filesystem on /sys/fs/bpf, and mounting one failed: %s "
			 "(--no-pin runs without pinning)", strerror(errno));
		return -1;
	}
	if (make_dirs(dir) < 0) {
		snprintf(err, errlen, "cannot create the pin directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!on_bpffs(dir)) {
		snprintf(err, errlen, "the pin directory %s is not on a bpf filesystem", dir);
		return -1;
	}
	p->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->lock_fd < 0) {
		snprintf(err, errlen, "cannot open the pin directory %s: %s", dir, strerror(errno));
		return -1;
	}
	p->took_over = read_control(dir, &p->prev);
	if (flock(p->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "another vigil agent (pid %u) runs on %s: stop it, or give this one "
			 "--pin-dir DIR or --no-pin", p->took_over ? p->prev.self_pid : 0, dir);
		close(p->lock_fd);
		p->lock_fd = -1;
		return -1;
	}
	if (p->took_over)
		claim_control(dir, &p->prev);
	return 0;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *s = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * VG_FNV_PRIME;
	return h;
}

uint64_t vg_pins_layout(struct bpf_object *obj)
{
	uint64_t h = fnv(VG_FNV_OFFSET, VG_WIRE_HASH, strlen(VG_WIRE_HASH));
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		__u32 shape[5] = { bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
				   bpf_map__max_entries(map), bpf_map__map_flags(map) };

		if (bpf_map__is_internal(map))
			continue;
		h = fnv(h, bpf_map__name(map), strlen(bpf_map__name(map)) + 1);
		h = fnv(h, shape, sizeof(shape));
	}
	return h;
}

/* Removes the pins of dir/name (a map, or a links directory); counts them. */
static void remove_entry(const char *dir, const char *name, int *maps, int *links)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (strncmp(name, LINKS_PREFIX, strlen(LINKS_PREFIX)) != 0) {
		if (unlink(path) == 0 && maps)
			(*maps)++;
		return;
	}
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		char link[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		if (unlink(link) == 0 && links)
			(*links)++;
	}
	closedir(d);
	rmdir(path);
}

/* Removes every pin under dir whose name keep() refuses; returns how many entries. */
static int remove_pins(const char *dir, bool (*keep)(const char *name, const void *arg), const void *arg,
		       int *maps, int *links)
{
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || (keep && keep(e->d_name, arg)))
			continue;
		remove_entry(dir, e->d_name, maps, links);
		n++;
	}
	closedir(d);
	return n;
}

void vg_pins_maps(struct vg_pins *p, struct bpf_object *obj, uint64_t layout)
{
	struct bpf_map *map;

	if (p->lock_fd < 0)
		return;
	if (p->took_over && p->prev.layout != layout) {
		fprintf(stderr,
			"vigil: the sensors pinned in %s are of another vigil build or other settings (ring %llu "
			"bytes, ours %u): removing them and starting fresh; what their ring held is lost\n",
			p->dir, (unsigned long long)p->prev.ring_size,
			bpf_map__max_entries(bpf_object__find_map_by_name(obj, "vg_events")));
		p->took_over = false;
	}
	if (!p->took_over && remove_pins(p->dir, NULL, NULL, NULL, NULL))
		fprintf(stderr, "vigil: removed stale pins from %s\n", p->dir);
	p->generation = p->took_over ? p->prev.generation + 1 : 1;
	bpf_object__for_each_map(map, obj) {
		char path[PATH_MAX];

		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->dir, bpf_map__name(map));
		bpf_map__set_pin_path(map, path);
	}
}

int vg_pins_link(const struct vg_pins *p, struct bpf_link *link, const char *name)
{
	char path[PATH_MAX];

	if (p->lock_fd < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/" LINKS_PREFIX "%u", p->dir, p->generation);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/" LINKS_PREFIX "%u/%s", p->dir, p->generation, name);
	return bpf_link__pin(link, path) < 0 ? -1 : 0;
}

/* Maps, and this generation's links. */
static bool current(const char *name, const void *arg)
{
	char mine[32];

	snprintf(mine, sizeof(mine), LINKS_PREFIX "%u", *(const uint32_t *)arg);
	return strncmp(name, LINKS_PREFIX, strlen(LINKS_PREFIX)) != 0 || strcmp(name, mine) == 0;
}

int vg_pins_retire(const struct vg_pins *p)
{
	int links = 0;

	if (p->lock_fd >= 0)
		remove_pins(p->dir, current, &p->generation, NULL, &links);
	return links;
}

void vg_pins_close(struct vg_pins *p)
{
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	p->lock_fd = -1;
}

int vg_pins_unload(const char *dir, int *maps, int *links, char *err, size_t errlen)
{
	struct vg_control ctl = { 0 };
	char path[PATH_MAX];
	int fd;

	*maps = *links = 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/vg_control", dir);
	if (access(path, F_OK) < 0 && !on_bpffs(dir)) {
		snprintf(err, errlen, "%s is not a vigil pin directory", dir);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		read_control(dir, &ctl);
		snprintf(err, errlen, "a vigil agent (pid %u) runs on %s: stop it first", ctl.self_pid, dir);
		close(fd);
		return -1;
	}
	remove_pins(dir, NULL, NULL, maps, links);
	close(fd);
	if (rmdir(dir) < 0) {
		snprintf(err, errlen, "cannot remove %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

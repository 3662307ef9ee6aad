/* watch.c — the files whose writes (write, file_write) and reads (file_read) are reported.
 * The kernel matches a file by (device, inode) in the vg_file_watch map; this keeps that
 * map in step with a list of paths: resolved at start, and again every second, because
 * editors and tools (sed -i, vipw, passwd) replace such files by rename, which gives the
 * path a new inode. It also takes the file_read and file_write records the kernel counts
 * (vg_file_io) out every second, a generation at a time (loader/mapread.h), and completes
 * them with the watched path. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "file_event.h"
#include "loader/mapread.h"
#include "loader/watch.h"
#include "vigil.skel.h"

/* vg_map_take_ended reads the first 32 bits. */
_Static_assert(offsetof(struct vg_file_io_key, generation) == 0, "generation first");

/* Files an intruder writes to gain or keep access. */
static const char *const default_paths[] = {
	"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers",
	"/etc/ld.so.preload", "/etc/ld.so.conf", "/etc/crontab", "/etc/environment", "/etc/profile",
	"/etc/bash.bashrc", "/etc/rc.local", "/etc/hosts", "/etc/resolv.conf", "/etc/ssh/sshd_config",
	"/etc/pam.conf", "/etc/security/limits.conf", "/root/.ssh/authorized_keys", "/root/.bashrc",
	"/root/.profile",
};

#define NDEFAULT (sizeof(default_paths) / sizeof(default_paths[0]))

bool vg_watch_needed(const bool loaded[VG_EV__COUNT])
{
	return loaded[VG_EV_WRITE] || loaded[VG_EV_OPEN] || loaded[VG_EV_FILE_WRITE] || loaded[VG_EV_FILE_READ];
}

int vg_watch_init(struct vg_watch *w, const struct vg_loader *l, const char *const *extra, unsigned nextra,
		  const char *const *own, unsigned nown)
{
	struct vg_inode_key key;

	memset(w, 0, sizeof(*w));
	w->map_fd = bpf_map__fd(l->skel->maps.vg_file_watch);
	w->io = l->skel->maps.vg_file_io;
	w->io_keys = calloc(VG_FILE_IO_MAX, sizeof(*w->io_keys));
	w->io_recs = calloc(VG_FILE_IO_MAX, sizeof(*w->io_recs));
	if (!w->io_keys || !w->io_recs) {
		errno = ENOMEM;
		return -1;
	}
	if (vg_generation_map(&w->io_generation, l->skel->maps.vg_control, offsetof(struct vg_control, io_generation)) <
	    0)
		return -1;
	while (bpf_map_get_next_key(w->map_fd, NULL, &key) == 0) /* an earlier agent's (pinned) */
		if (bpf_map_delete_elem(w->map_fd, &key) < 0)
			break;
	for (unsigned i = 0; i < NDEFAULT + nextra + nown && w->n < VG_WATCH_PATHS; i++) {
		const char *path = i < NDEFAULT ? default_paths[i] : i < NDEFAULT + nextra ? extra[i - NDEFAULT]
										      : own[i - NDEFAULT - nextra];
		struct stat st;

		if (i >= NDEFAULT && i < NDEFAULT + nextra && stat(path, &st) < 0)
			fprintf(stderr, "vigil: --watch %s: %s (watched once it exists)\n", path, strerror(errno));
		w->kinds[w->n] = i < NDEFAULT + nextra ? VG_WATCH_SENSITIVE : VG_WATCH_AGENT;
		w->paths[w->n++] = path;
	}
	return vg_watch_refresh(w, 0, NULL, NULL);
}

/* Whether another path names the file path i named (hard links, duplicates). */
static bool shared(const struct vg_watch *w, unsigned i)
{
	for (unsigned j = 0; j < w->n; j++)
		if (j != i && memcmp(&w->keys[j], &w->keys[i], sizeof(w->keys[i])) == 0)
			return true;
	return false;
}

/* The kind the map must hold for key: the agent's own file wins over a sensitive one. */
static __u8 kind_of(const struct vg_watch *w, const struct vg_inode_key *key)
{
	__u8 kind = 0;

	for (unsigned j = 0; j < w->n; j++)
		if (memcmp(&w->keys[j], key, sizeof(*key)) == 0 && w->kinds[j] > kind)
			kind = w->kinds[j];
	return kind;
}

/* Points the map at what each path names now; a path that names nothing (yet) is skipped. */
int vg_watch_refresh(struct vg_watch *w, uint64_t now_ns, vg_tamper_fn found, void *ctx)
{
	bool moved[VG_WATCH_PATHS] = { false };

	if (now_ns && now_ns < w->next_ns)
		return 0;
	w->next_ns = now_ns + 1000000000ull;
	for (unsigned i = 0; i < w->n; i++) {
		struct vg_inode_key key = { 0 };
		struct stat st;

		if (stat(w->paths[i], &st) == 0 && S_ISREG(st.st_mode))
			key = vg_inode_key_from_stat(&st);
		if (memcmp(&key, &w->keys[i], sizeof(key)) == 0)
			continue;
		if (w->keys[i].ino && !shared(w, i))
			bpf_map_delete_elem(w->map_fd, &w->keys[i]);
		w->keys[i] = key;
		moved[i] = true;
	}
	for (unsigned i = 0; i < w->n; i++) {
		__u8 want, have = 0;

		if (!w->keys[i].ino)
			continue;
		want = kind_of(w, &w->keys[i]);
		if (bpf_map_lookup_elem(w->map_fd, &w->keys[i], &have) == 0 && have == want)
			continue;
		if (bpf_map_update_elem(w->map_fd, &w->keys[i], &want, BPF_ANY) < 0)
			return -1;
		if (found && !moved[i])
			found(ctx, VG_AGENT_MAP_CHANGED, "vg_file_watch", "a watched file's entry was removed or changed: restored");
	}
	return 0;
}

/* The watched path naming the file now, or NULL (it was replaced since the call). */
static const char *path_of(const struct vg_watch *w, const struct vg_inode_key *key)
{
	for (unsigned i = 0; i < w->n; i++)
		if (memcmp(&w->keys[i], key, sizeof(*key)) == 0)
			return w->paths[i];
	return NULL;
}

void vg_watch_collect(struct vg_watch *w, uint64_t now_ns, vg_record_fn fn, void *ctx)
{
	char rec[sizeof(struct vg_file_io_rec) + VG_PATH_MAX];
	size_t n;

	if (!w->io || (now_ns && now_ns < w->next_collect_ns))
		return;
	w->next_collect_ns = now_ns + 1000000000ull;
	vg_generation_turn(&w->io_generation);
	/* at exit also what is being counted now: each record has its sequence number, and
	 * the final counters account for every number */
	n = vg_map_take_ended(w->io, now_ns ? &w->io_generation : NULL, w->io_keys, w->io_recs, VG_FILE_IO_MAX);
	for (size_t i = 0; i < n; i++) {
		struct vg_file_io_rec *r = (struct vg_file_io_rec *)rec;
		const char *path = path_of(w, &w->io_recs[i].io.key);
		size_t len = path ? strlen(path) : 0;

		if (len > VG_PATH_MAX)
			len = VG_PATH_MAX;
		*r = w->io_recs[i];
		r->io.path = (struct vg_str){ (__u16)sizeof(*r), (__u16)len };
		memcpy(rec + sizeof(*r), path, len);
		r->hdr.size = (__u32)(sizeof(*r) + len);
		fn(ctx, rec, r->hdr.size);
	}
}

void vg_watch_free(struct vg_watch *w)
{
	free(w->io_keys);
	free(w->io_recs);
	w->io_keys = NULL;
	w->io_recs = NULL;
	w->io = NULL;
	vg_generation_unmap(&w->io_generation);
}

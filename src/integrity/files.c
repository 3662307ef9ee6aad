/* files.c — system_files: the places attackers use to hide or replace files.
 *   replaced: a program or PAM module whose content no longer matches the MD5 its Debian
 *     package recorded (the md5sums files under /var/lib/dpkg/info; diverted files are left out). A file
 *     is checked when its inode, size or times change, and every file in turn, a bounded
 *     number of bytes per pass, so a replacement made before the agent started is found too.
 *   overmounted: something mounted over a file (a bind mount of a look-alike over
 *     /usr/bin/sshd changes nothing on disk) or inside the system directories.
 *   hidden: a dot name directly in a program, library or configuration directory, or in
 *     /dev; file_in_dev: a regular file in /dev, where only device nodes belong.
 *   hidden_entries: a directory whose link count says it has more subdirectories than
 *     readdir lists (entries a getdents hook filters out), on file systems that count them.
 *   preload: /etc/ld.so.preload exists (libprocesshider and its kind hide through it).
 * With a root (vigil run --integrity-root DIR) every path above is taken inside DIR: a
 * container's file system or a mounted disk, checked against its own dpkg database. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "integrity/files.h"
#include "integrity/internal.h"

#define VERIFY_BYTES_PER_PASS (64ull << 20)

/* The directories whose packaged files are verified (dpkg's paths, without the leading /). */
static const char *const verified_prefixes[] = {
	"usr/bin/", "usr/sbin/", "bin/", "sbin/", "usr/lib/x86_64-linux-gnu/security/", "lib/x86_64-linux-gnu/security/",
	"usr/lib/openssh/", "usr/libexec/", NULL,
};

/* Where a dot name or a mount has no business (top level only). */
static const char *const watched_dirs[] = {
	"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/usr/lib", "/usr/lib64", "/usr/libexec",
	"/lib", "/lib64", "/bin", "/sbin", "/etc", "/boot", "/dev", NULL,
};

enum verdict { UNCHECKED, MATCHES, DIFFERS };

struct pkgfile {
	char *path;
	char *package;
	uint8_t md5[16];
	struct stat seen;
	enum verdict verdict; /* since its last change */
};

struct files {
	char root[PATH_MAX]; /* "" for / */
	struct pkgfile *f;
	size_t n, cursor;
};

int vg_md5_hex(const char *hex, uint8_t out[16])
{
	for (int i = 0; i < 16; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return hex[32] == 0 || hex[32] == ' ' || hex[32] == '\t' ? 0 : -1;
}

int vg_md5_file(const char *path, uint8_t out[16], uint64_t *bytes)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[65536];
	unsigned len = 16;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = -1;

	if (fd >= 0 && ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL)) {
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			EVP_DigestUpdate(ctx, buf, (size_t)n);
			*bytes += (uint64_t)n;
		}
		if (n == 0 && EVP_DigestFinal_ex(ctx, out, &len))
			rc = 0;
	}
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return rc;
}

bool vg_verified_path(const char *rel)
{
	for (const char *const *p = verified_prefixes; *p; p++)
		if (strncmp(rel, *p, strlen(*p)) == 0)
			return true;
	return false;
}

/* dpkg's diversions: the files another package's version replaces on purpose. */
static bool diverted(char **divs, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(divs[i], path) == 0)
			return true;
	return false;
}

static size_t read_diversions(const char *root, char ***out)
{
	char line[PATH_MAX];
	FILE *f;

	snprintf(line, sizeof(line), "%s/var/lib/dpkg/diversions", root);
	f = fopen(line, "re");
	size_t n = 0, i = 0;
	char **d = NULL;

	/* triples of lines: from, to, package */
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (i++ % 3 == 0) {
			char **more = realloc(d, (n + 1) * sizeof(*d));

			if (!more)
				break;
			d = more;
			d[n++] = strdup(line);
		}
	}
	if (f)
		fclose(f);
	*out = d;
	return n;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct pkgfile *)a)->path, ((const struct pkgfile *)b)->path);
}

static void add_package(struct files *fs, size_t *cap, const char *md5sums, char **divs, size_t ndivs)
{
	const char *base = strrchr(md5sums, '/') + 1;
	size_t plen = strcspn(base, ":."); /* "coreutils.md5sums", "libc6:amd64.md5sums" */
	char line[PATH_MAX + 64], full[2 * PATH_MAX + 2], real[PATH_MAX];
	FILE *f = fopen(md5sums, "re");

	while (f && fgets(line, sizeof(line), f)) {
		char *rel = line + 34;
		struct pkgfile *p;

		line[strcspn(line, "\n")] = 0;
		if (strlen(line) < 35 || !vg_verified_path(rel))
			continue;
		snprintf(full, sizeof(full), "/%s", rel);
		if (diverted(divs, ndivs, full))
			continue;
		snprintf(full, sizeof(full), "%s/%s", fs->root, rel);
		if (!realpath(full, real))
			continue;
		if (fs->n == *cap) {
			struct pkgfile *more = realloc(fs->f, (*cap = *cap ? 2 * *cap : 1024) * sizeof(*more));

			if (!more)
				break;
			fs->f = more;
		}
		p = &fs->f[fs->n];
		memset(p, 0, sizeof(*p));
		if (vg_md5_hex(line, p->md5) < 0 || lstat(real, &p->seen) < 0 || !S_ISREG(p->seen.st_mode))
			continue;
		p->path = strdup(real);
		p->package = strndup(base, plen);
		if (p->path && p->package)
			fs->n++;
	}
	if (f)
		fclose(f);
}

static void release(void *state)
{
	struct files *fs = state;

	for (size_t i = 0; fs && i < fs->n; i++) {
		free(fs->f[i].path);
		free(fs->f[i].package);
	}
	if (fs)
		free(fs->f);
	free(fs);
}

static bool prepare(const struct vg_integrity_opts *o, void **state, char *why, size_t len)
{
	struct files *fs = calloc(1, sizeof(*fs));
	size_t cap = 0, ndivs, w = 0;
	char **divs = NULL, pattern[PATH_MAX + 32];
	glob_t g = { 0 };
	struct stat st;

	if (!fs) {
		snprintf(why, len, "out of memory");
		return false;
	}
	if (o->root && o->root[0] && (!realpath(o->root, fs->root) || stat(fs->root, &st) < 0 || !S_ISDIR(st.st_mode))) {
		snprintf(why, len, "--integrity-root %s is not a directory", o->root);
		free(fs);
		return false;
	}
	if (strcmp(fs->root, "/") == 0)
		fs->root[0] = 0;
	ndivs = read_diversions(fs->root, &divs);
	snprintf(pattern, sizeof(pattern), "%s/var/lib/dpkg/info/*.md5sums", fs->root);
	if (glob(pattern, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			add_package(fs, &cap, g.gl_pathv[i], divs, ndivs);
	globfree(&g);
	for (size_t i = 0; i < ndivs; i++)
		free(divs[i]);
	free(divs);
	if (fs->n)
		qsort(fs->f, fs->n, sizeof(*fs->f), cmp_path);
	/* a file two packages list (bin/x and usr/bin/x under usrmerge) is verified once */
	for (size_t r = 0; r < fs->n; r++) {
		if (w && strcmp(fs->f[w - 1].path, fs->f[r].path) == 0) {
			free(fs->f[r].path);
			free(fs->f[r].package);
			continue;
		}
		fs->f[w++] = fs->f[r];
	}
	fs->n = w;
	snprintf(why, len, "%zu packaged programs and PAM modules against dpkg's MD5s%s; mounts, dot names and "
			   "regular files in system directories and /dev; /etc/ld.so.preload%s%s",
		 fs->n, fs->n ? "" : " (no dpkg database: none verified)", fs->root[0] ? "; all in " : "", fs->root);
	*state = fs;
	return true;
}

static bool stat_changed(const struct stat *a, const struct stat *b)
{
	return a->st_ino != b->st_ino || a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	       a->st_mtim.tv_nsec != b->st_mtim.tv_nsec || a->st_ctim.tv_sec != b->st_ctim.tv_sec ||
	       a->st_ctim.tv_nsec != b->st_ctim.tv_nsec;
}

static void hex(const uint8_t md5[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md5[i]);
}

/* Verifies p now; reports it when its content is not the package's. */
static void verify(struct vg_reporter *r, struct pkgfile *p, uint64_t *bytes)
{
	uint8_t now[16];
	char got[33], want[33], detail[512];

	if (vg_md5_file(p->path, now, bytes) < 0)
		return;
	p->verdict = memcmp(now, p->md5, 16) == 0 ? MATCHES : DIFFERS;
	if (p->verdict == MATCHES)
		return;
	hex(now, got);
	hex(p->md5, want);
	snprintf(detail, sizeof(detail), "md5 %s, package %s installed %s (inode %llu, modified %lld)", got, p->package,
		 want, (unsigned long long)p->seen.st_ino, (long long)p->seen.st_mtim.tv_sec);
	vg_report(r, &(struct vg_finding){ .finding = "replaced", .subject = p->path, .detail = detail, .id = -1 });
}

static void check_packages(struct files *fs, struct vg_reporter *r)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < fs->n; i++) {
		struct pkgfile *p = &fs->f[i];
		struct stat st;

		if (lstat(p->path, &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* removed, or replaced by a link (a package's update-alternatives) */
		if (stat_changed(&st, &p->seen)) {
			p->seen = st;
			verify(r, p, &bytes);
		} else if (p->verdict == DIFFERS) {
			verify(r, p, &bytes); /* still different: the finding stands */
		}
	}
	/* every other file in turn, a bounded number of bytes per pass */
	for (size_t k = 0; k < fs->n && bytes < VERIFY_BYTES_PER_PASS; k++) {
		struct pkgfile *p = &fs->f[fs->cursor];

		fs->cursor = (fs->cursor + 1) % fs->n;
		if (p->verdict != DIFFERS)
			verify(r, p, &bytes);
	}
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

static void check_mounts(const char *root, struct vg_reporter *r)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char mroot[1024], point[1024], fstype[64] = "", source[512] = "", detail[2200];
		const char *sep = strstr(line, " - ");
		struct stat st;
		bool system = false;

		if (sscanf(line, "%*u %*u %*s %1023s %1023s", mroot, point) != 2 || !sep)
			continue;
		if (root[0] && !under(point, root))
			continue;
		for (const char *const *d = watched_dirs; *d && !system; d++) {
			char dir[PATH_MAX];

			snprintf(dir, sizeof(dir), "%s%s", root, *d);
			system = strcmp(*d, "/dev") != 0 && under(point, dir);
		}
		if (!system && !(stat(point, &st) == 0 && S_ISREG(st.st_mode)))
			continue;
		sscanf(sep + 3, "%63s %511s", fstype, source);
		snprintf(detail, sizeof(detail), "%s %s (root %s) is mounted over %s%s", fstype, source, mroot, point,
			 system ? ", inside a system directory" : ", a file");
		vg_report(r, &(struct vg_finding){ .finding = "overmounted", .subject = point, .detail = detail, .id = -1 });
	}
	if (f)
		fclose(f);
}

/* Reads directory d (r NULL: only counts): its subdirectories, and (r) reports its dot names
 * and, in /dev, its regular files. -1 when d cannot be read or is a symlink. */
static int scan_dir(const char *d, bool dev, struct vg_reporter *r, unsigned long *subdirs, nlink_t *nlink)
{
	DIR *dir = opendir(d);
	struct dirent *e;
	struct stat st, self;

	*subdirs = 0;
	if (!dir || lstat(d, &self) < 0 || S_ISLNK(self.st_mode)) {
		if (dir)
			closedir(dir);
		return -1; /* /bin -> usr/bin: the target is in the list */
	}
	*nlink = self.st_nlink;
	while ((e = readdir(dir))) {
		char path[PATH_MAX], detail[256];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, e->d_name);
		if (lstat(path, &st) < 0)
			continue;
		*subdirs += S_ISDIR(st.st_mode);
		if (!r)
			continue;
		if (e->d_name[0] == '.') {
			snprintf(detail, sizeof(detail), "a %s with a hidden name in %s", S_ISDIR(st.st_mode) ? "directory" : "file", d);
			vg_report(r, &(struct vg_finding){ .finding = "hidden", .subject = path, .detail = detail, .id = -1 });
		} else if (dev && S_ISREG(st.st_mode)) {
			snprintf(detail, sizeof(detail), "a regular file of %lld bytes in /dev", (long long)st.st_size);
			vg_report(r, &(struct vg_finding){ .finding = "file_in_dev", .subject = path, .detail = detail, .id = -1 });
		}
	}
	closedir(dir);
	return 0;
}

static void check_dirs(const char *root, struct vg_reporter *r)
{
	for (const char *const *d = watched_dirs; *d; d++) {
		unsigned long subdirs, again;
		nlink_t nlink, nlink2;
		char detail[256], dir[PATH_MAX];
		bool dev = strcmp(*d, "/dev") == 0;

		snprintf(dir, sizeof(dir), "%s%s", root, *d);
		if (scan_dir(dir, dev, r, &subdirs, &nlink) < 0)
			continue;
		/* link count 2 + subdirectories, where the file system keeps it so (not btrfs: 1);
		 * a directory made or removed meanwhile shows as a mismatch once, so look again */
		if (nlink <= 2 || nlink - 2 <= subdirs || scan_dir(dir, dev, NULL, &again, &nlink2) < 0 || nlink2 != nlink ||
		    again != subdirs)
			continue;
		snprintf(detail, sizeof(detail), "its link count says %lu subdirectories, readdir lists %lu",
			 (unsigned long)nlink - 2, subdirs);
		vg_report(r, &(struct vg_finding){ .finding = "hidden_entries", .subject = dir, .detail = detail, .id = -1 });
	}
}

static void check_preload(const char *root, struct vg_reporter *r)
{
	char first[256] = "", detail[400], path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/etc/ld.so.preload", root);
	if (lstat(path, &st) < 0)
		return;
	vg_read_line(path, first, sizeof(first));
	snprintf(detail, sizeof(detail), "%lld bytes%s%s: every dynamically linked program loads what it names", (long long)st.st_size,
		 first[0] ? ", first line " : "", first);
	vg_report(r, &(struct vg_finding){ .finding = "preload", .subject = path, .detail = detail, .id = -1 });
}

static void run(void *state, struct vg_reporter *r)
{
	struct files *fs = state;

	check_packages(fs, r);
	check_mounts(fs->root, r);
	check_dirs(fs->root, r);
	check_preload(fs->root, r);
}

const struct vg_check vg_check_system_files = { prepare, run, release };

/* uprobe.c — resolve and attach uprobes by function name (see uprobe.h): which file
 * defines the function (a uprobe belongs to one file's inode), and where in it (elf.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "loader/elf.h"
#include "loader/uprobe.h"

static const char *const bin_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					"/usr/bin", "/sbin", "/bin" };
/* the dynamic loader's default search path on Debian x86-64, then the generic ones */
static const char *const lib_dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
					"/lib64", "/usr/lib64", "/lib", "/usr/lib" };

#define NDIRS(a) (sizeof(a) / sizeof((a)[0]))

/* name searched in dirs (or taken as a path when it has a '/'), symlinks resolved. */
static bool find_file(const char *name, const char *const *dirs, size_t ndirs, char *out)
{
	char path[PATH_MAX];

	if (strchr(name, '/'))
		return realpath(name, out) != NULL;
	for (size_t i = 0; i < ndirs; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, R_OK) == 0 && realpath(path, out))
			return true;
	}
	return false;
}

struct lib_search {
	const char *func;
	char *path;
};

static bool lib_defines(const char *lib, void *arg)
{
	struct lib_search *s = arg;
	char path[PATH_MAX];

	uint64_t off;

	if (!find_file(lib, lib_dirs, NDIRS(lib_dirs), path) || !vg_elf_func_offset(path, s->func, &off))
		return false;
	snprintf(s->path, PATH_MAX, "%s", path);
	return true;
}

int vg_uprobe_resolve(const struct vg_uprobe_target *t, char *path, size_t len, char *why, size_t whylen)
{
	char bin[PATH_MAX], lib[PATH_MAX];
	struct lib_search s = { t->func, lib };
	bool is_lib = strstr(t->binary, ".so") != NULL;
	uint64_t off;

	if (!find_file(t->binary, is_lib ? lib_dirs : bin_dirs, is_lib ? NDIRS(lib_dirs) : NDIRS(bin_dirs), bin)) {
		snprintf(why, whylen, "%s not found%s", t->binary,
			 strchr(t->binary, '/') ? "" : is_lib ? " in the library directories" : " in /usr/bin, /bin, ...");
		return -1;
	}
	if (vg_elf_func_offset(bin, t->func, &off)) {
		snprintf(path, len, "%s", bin);
		return 0;
	}
	if (vg_elf_each_needed(bin, lib_defines, &s)) {
		snprintf(path, len, "%s", lib);
		return 0;
	}
	snprintf(why, whylen, "%s defines no function %s, nor does any library it needs", bin, t->func);
	return -1;
}

struct bpf_link *vg_uprobe_attach(struct bpf_program *prog, const struct vg_uprobe_target *t, char *why,
				  size_t whylen)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = t->retprobe);
	char path[PATH_MAX];
	struct bpf_link *link;
	uint64_t off;

	if (vg_uprobe_resolve(t, path, sizeof(path), why, whylen) < 0)
		return NULL;
	/* the offset ourselves: libbpf 1.1 refuses a name with several versions (libc's
	 * pthread_create) as ambiguous */
	if (!vg_elf_func_offset(path, t->func, &off)) {
		snprintf(why, whylen, "%s: no offset for %s", path, t->func);
		return NULL;
	}
	link = bpf_program__attach_uprobe_opts(prog, -1, path, (size_t)off, &opts);
	if (!link)
		snprintf(why, whylen, "%s %s:%s does not attach: %s", t->retprobe ? "uretprobe" : "uprobe", path,
			 t->func, strerror(errno));
	return link;
}

/* kmem.c — kernel state through bpf/integrity.bpf.c: kernel memory at given addresses (a
 * BPF_PROG_TYPE_SYSCALL program run with BPF_PROG_RUN, nothing attached) and the kernel's
 * task list (a task iterator). The object is loaded once per check that needs it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "integrity.skel.h"
#include "integrity/internal.h"

struct vg_kmem {
	struct integrity_bpf *skel;
};

/* The agent's pid namespace: its inode and its level (NSpid has one number per level). */
static int own_pidns(uint32_t *inum, uint32_t *level)
{
	char line[512];
	struct stat st;
	FILE *f;

	if (stat("/proc/self/ns/pid", &st) < 0 || !(f = fopen("/proc/self/status", "re")))
		return -1;
	*inum = (uint32_t)st.st_ino;
	*level = 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "NSpid:", 6) == 0)
			for (char *p = line + 6; (p = strchr(p, '\t')); p++)
				(*level)++;
	fclose(f);
	*level = *level ? *level - 1 : 0;
	return 0;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

struct vg_kmem *vg_kmem_open(char *why, size_t len)
{
	struct vg_kmem *m = calloc(1, sizeof(*m));
	libbpf_print_fn_t old = libbpf_set_print(silent);
	uint32_t inum, level;
	int err;

	if (!m || own_pidns(&inum, &level) < 0) {
		snprintf(why, len, "cannot read the agent's pid namespace: %s", strerror(errno));
		free(m);
		libbpf_set_print(old);
		return NULL;
	}
	m->skel = integrity_bpf__open();
	if (!m->skel) {
		snprintf(why, len, "cannot open the integrity BPF object: %s", strerror(errno));
		goto fail;
	}
	m->skel->rodata->vg_ns_inum = inum;
	m->skel->rodata->vg_ns_level = level;
	if ((err = integrity_bpf__load(m->skel))) {
		snprintf(why, len, "the integrity BPF object does not load: %s", strerror(-err));
		goto fail;
	}
	libbpf_set_print(old);
	return m;
fail:
	libbpf_set_print(old);
	vg_kmem_close(m);
	return NULL;
}

int vg_kmem_read(struct vg_kmem *m, const uint64_t *addr, size_t n, uint8_t (*out)[VG_KREAD_LEN], int *err)
{
	for (size_t done = 0; done < n;) {
		size_t batch = n - done < VG_KREAD_MAX ? n - done : VG_KREAD_MAX;
		LIBBPF_OPTS(bpf_test_run_opts, run);

		memcpy(m->skel->bss->vg_kread_addr, addr + done, batch * sizeof(*addr));
		m->skel->bss->vg_kread_n = (uint32_t)batch;
		if (bpf_prog_test_run_opts(bpf_program__fd(m->skel->progs.vg_integrity_kread), &run) < 0)
			return -1;
		memcpy(out + done, m->skel->bss->vg_kread_bytes, batch * VG_KREAD_LEN);
		for (size_t i = 0; i < batch; i++)
			err[done + i] = m->skel->bss->vg_kread_err[i];
		done += batch;
	}
	return 0;
}

int vg_kmem_tasks(struct vg_kmem *m, struct vg_ktask **out, size_t *n)
{
	struct bpf_link *link = bpf_program__attach_iter(m->skel->progs.vg_integrity_tasks, NULL);
	size_t cap = 1024, used = 0;
	char *buf = malloc(cap * sizeof(struct vg_ktask));
	ssize_t r = 0;
	int fd;

	if (!link || !buf || (fd = bpf_iter_create(bpf_link__fd(link))) < 0) {
		bpf_link__destroy(link);
		free(buf);
		return -1;
	}
	for (;;) {
		if (used == cap * sizeof(struct vg_ktask)) {
			char *more = realloc(buf, (cap *= 2) * sizeof(struct vg_ktask));

			if (!more)
				break;
			buf = more;
		}
		r = read(fd, buf + used, cap * sizeof(struct vg_ktask) - used);
		if (r <= 0)
			break;
		used += (size_t)r;
	}
	close(fd);
	bpf_link__destroy(link);
	if (r < 0) {
		free(buf);
		return -1;
	}
	*out = (struct vg_ktask *)buf;
	*n = used / sizeof(struct vg_ktask);
	return 0;
}

void vg_kmem_close(struct vg_kmem *m)
{
	if (!m)
		return;
	integrity_bpf__destroy(m->skel);
	free(m);
}

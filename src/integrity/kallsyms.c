/* kallsyms.c — the kernel's symbol table from /proc/kallsyms: text symbols (and the data
 * symbols a check names), sorted by address, to name the functions the hooks check reads
 * and the addresses their patched entries jump to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "integrity/internal.h"

static int by_addr(const void *a, const void *b)
{
	const struct vg_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool kept(const char *name, const char *const *keep)
{
	for (; keep && *keep; keep++)
		if (strcmp(name, *keep) == 0)
			return true;
	return false;
}

int vg_kallsyms_load(struct vg_kallsyms *k, const char *path, const char *const *keep, char *why, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 0, ncap = 0, nused = 0;
	char line[512];
	bool any_addr = false;

	memset(k, 0, sizeof(*k));
	if (!f) {
		snprintf(why, len, "%s: %m", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];
		size_t nlen;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (type != 'T' && type != 't' && !kept(name, keep))
			continue;
		any_addr |= addr != 0;
		nlen = strlen(name) + 1;
		if (k->n == cap) {
			struct vg_ksym *s = realloc(k->syms, (cap = cap ? 2 * cap : 4096) * sizeof(*s));

			if (!s)
				goto oom;
			k->syms = s;
		}
		if (nused + nlen > ncap) {
			char *names = realloc(k->names, ncap = ncap ? 2 * ncap : 1 << 20);

			if (!names)
				goto oom;
			k->names = names;
		}
		memcpy(k->names + nused, name, nlen);
		/* the names block moves as it grows: offsets until it is complete */
		k->syms[k->n++] = (struct vg_ksym){ addr, type, (const char *)(uintptr_t)nused };
		nused += nlen;
	}
	fclose(f);
	/* kept for the agent's life: the doubling's slack (a third of it) goes back */
	if (k->n) {
		struct vg_ksym *s = realloc(k->syms, k->n * sizeof(*s));
		char *names = realloc(k->names, nused);

		k->syms = s ? s : k->syms;
		k->names = names ? names : k->names;
	}
	for (size_t i = 0; i < k->n; i++)
		k->syms[i].name = k->names + (uintptr_t)k->syms[i].name;
	if (!any_addr) {
		snprintf(why, len, "%s shows no addresses (kernel.kptr_restrict, or not root)", path);
		vg_kallsyms_free(k);
		return -1;
	}
	qsort(k->syms, k->n, sizeof(*k->syms), by_addr);
	return 0;
oom:
	fclose(f);
	vg_kallsyms_free(k);
	snprintf(why, len, "out of memory reading %s", path);
	return -1;
}

const struct vg_ksym *vg_kallsyms_find(const struct vg_kallsyms *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->syms[i].name, name) == 0)
			return &k->syms[i];
	return NULL;
}

const struct vg_ksym *vg_kallsyms_at(const struct vg_kallsyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &k->syms[lo - 1] : NULL;
}

uint64_t vg_kallsyms_size(const struct vg_kallsyms *k, const struct vg_ksym *sym)
{
	for (const struct vg_ksym *next = sym + 1; next < k->syms + k->n; next++)
		if (next->addr > sym->addr)
			return next->addr - sym->addr;
	return 0;
}

void vg_kallsyms_free(struct vg_kallsyms *k)
{
	free(k->syms);
	free(k->names);
	memset(k, 0, sizeof(*k));
}

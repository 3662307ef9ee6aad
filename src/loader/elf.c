/* elf.c — symbols, needed libraries and file offsets of ELF files (see elf.h). */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "loader/elf.h"

struct elf_file {
	int fd;
	Elf *elf;
};

static bool elf_open(const char *path, struct elf_file *f)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return false;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF) {
		if (f->elf)
			elf_end(f->elf);
		close(f->fd);
		return false;
	}
	return true;
}

static void elf_close(struct elf_file *f)
{
	elf_end(f->elf);
	close(f->fd);
}

static bool is_func(const GElf_Sym *s)
{
	int type = GELF_ST_TYPE(s->st_info);

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && s->st_shndx != SHN_UNDEF;
}

/* Calls fn on each defined function symbol of the symbol tables until it returns true. */
static bool each_func(struct elf_file *f, bool (*fn)(const char *name, const GElf_Sym *s, void *arg), void *arg)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(data, (int)i, &s) || !is_func(&s))
				continue;
			name = elf_strptr(f->elf, sh.sh_link, s.st_name);
			if (name && fn(name, &s, arg))
				return true;
		}
	}
	return false;
}

static bool same_name(const char *name, const GElf_Sym *s, void *arg)
{
	return strcmp(name, arg) == 0;
}

bool vg_elf_defines(const char *path, const char *func)
{
	struct elf_file f;
	bool found;

	if (!elf_open(path, &f))
		return false;
	found = each_func(&f, same_name, (void *)func);
	elf_close(&f);
	return found;
}

bool vg_elf_each_needed(const char *path, bool (*fn)(const char *lib, void *arg), void *arg)
{
	struct elf_file f;
	Elf_Scn *scn = NULL;
	bool done = false;

	if (!elf_open(path, &f))
		return false;
	while (!done && (scn = elf_nextscn(f.elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; !done && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *lib;

			if (gelf_getdyn(data, (int)i, &dyn) && dyn.d_tag == DT_NEEDED &&
			    (lib = elf_strptr(f.elf, sh.sh_link, dyn.d_un.d_val)))
				done = fn(lib, arg);
		}
	}
	elf_close(&f);
	return done;
}

struct covering {
	uint64_t vaddr;
	char *name;
	size_t len;
	uint64_t best_start;
	bool found;
};

static bool covers(const char *name, const GElf_Sym *s, void *arg)
{
	struct covering *c = arg;
	uint64_t end = s->st_value + (s->st_size ? s->st_size : 1);

	if (c->vaddr >= s->st_value && c->vaddr < end && (!c->found || s->st_value > c->best_start)) {
		snprintf(c->name, c->len, "%s", name);
		c->best_start = s->st_value;
		c->found = true;
	}
	return false;
}

bool vg_elf_symbolize(const char *path, uint64_t off, char *name, size_t len, uint64_t *delta)
{
	struct covering c = { .name = name, .len = len };
	struct elf_file f;
	size_t n = 0;
	bool mapped = false;

	if (!elf_open(path, &f))
		return false;
	/* symbols are virtual addresses: find the loadable segment that holds the offset */
	if (elf_getphdrnum(f.elf, &n) == 0)
		for (size_t i = 0; i < n && !mapped; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(f.elf, (int)i, &ph) && ph.p_type == PT_LOAD && off >= ph.p_offset &&
			    off < ph.p_offset + ph.p_filesz) {
				c.vaddr = off - ph.p_offset + ph.p_vaddr;
				mapped = true;
			}
		}
	if (mapped)
		each_func(&f, covers, &c);
	elf_close(&f);
	if (c.found && delta)
		*delta = c.vaddr - c.best_start;
	return c.found;
}

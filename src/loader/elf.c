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

/* The .gnu.version entries of the dynamic symbols (NULL when there are none): a hidden
 * bit marks an old version of a symbol that also has a newer, default one. */
static Elf_Data *versions(struct elf_file *f)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(f->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
			return elf_getdata(scn, NULL);
	return NULL;
}

/* Calls fn on each defined function symbol of the symbol tables until it returns true;
 * old versions of versioned symbols (pthread_create@GLIBC_2.2.5 beside the default
 * pthread_create@@GLIBC_2.34) are skipped. */
static bool each_func(struct elf_file *f, bool (*fn)(const char *name, const GElf_Sym *s, void *arg), void *arg)
{
	Elf_Data *vers = versions(f);
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Versym v;
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(data, (int)i, &s) || !is_func(&s))
				continue;
			if (sh.sh_type == SHT_DYNSYM && vers && gelf_getversym(vers, (int)i, &v) && (v & 0x8000))
				continue;
			name = elf_strptr(f->elf, sh.sh_link, s.st_name);
			if (name && fn(name, &s, arg))
				return true;
		}
	}
	return false;
}

struct named {
	const char *name;
	uint64_t vaddr;
};

static bool same_name(const char *name, const GElf_Sym *s, void *arg)
{
	struct named *n = arg;

	if (strcmp(name, n->name) != 0)
		return false;
	n->vaddr = s->st_value;
	return true;
}

/* The file offset of virtual address vaddr (its loadable segment's), or false. */
static bool vaddr_offset(struct elf_file *f, uint64_t vaddr, uint64_t *off)
{
	size_t n = 0;

	if (elf_getphdrnum(f->elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(f->elf, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

bool vg_elf_func_offset(const char *path, const char *func, uint64_t *off)
{
	struct named n = { func, 0 };
	struct elf_file f;
	bool found;

	if (!elf_open(path, &f))
		return false;
	found = each_func(&f, same_name, &n) && vaddr_offset(&f, n.vaddr, off);
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

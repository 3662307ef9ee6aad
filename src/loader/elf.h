/* elf.h — the few facts about ELF files that uprobes need: whether a file defines a
 * function, which shared libraries it needs, and the function an address falls in (for
 * tools that print user-space symbols). libelf reads the files. */
#ifndef VIGIL_ELF_H
#define VIGIL_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether path defines func (a function symbol in .symtab or .dynsym, not an import; of
 * a versioned symbol, the default version), and the file offset of its first instruction
 * (where a uprobe goes). */
bool vg_elf_func_offset(const char *path, const char *func, uint64_t *off);
/* Calls fn for each DT_NEEDED library name of path (e.g. "libreadline.so.8") until it
 * returns true; returns whether one did. */
bool vg_elf_each_needed(const char *path, bool (*fn)(const char *lib, void *arg), void *arg);
/* The function that the byte at file offset off of path belongs to: its name and the
 * distance from its start. false when no function symbol covers it. */
bool vg_elf_symbolize(const char *path, uint64_t off, char *name, size_t len, uint64_t *delta);

#endif

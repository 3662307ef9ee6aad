/* internal.h — what the integrity checks share: the check table, the finding reporter,
 * the kernel symbol table and the BPF reader of kernel state. */
#ifndef VIGIL_INTEGRITY_INTERNAL_H
#define VIGIL_INTEGRITY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "integrity/integrity.h"

/* A finding of one pass (see struct vg_integrity for the fields). */
struct vg_finding {
	const char *finding, *subject, *detail;
	int64_t id;
	uint32_t owner_pid;
	const char *owner, *owner_name, *owner_exe;
};

struct vg_reporter;
/* Reports f for the check running; deduplicated against the check's previous pass. */
void vg_report(struct vg_reporter *r, const struct vg_finding *f);
/* The check knows nothing changed since its previous pass: its findings stand. */
void vg_report_unchanged(struct vg_reporter *r);

/* One check: prepare finds out whether it can run here (false with the reason in why,
 * having freed what it made; true with what it covers in why) and builds its state in
 * *state; run makes one pass; release frees the state. */
struct vg_check {
	bool (*prepare)(const struct vg_integrity_opts *o, void **state, char *why, size_t len);
	void (*run)(void *state, struct vg_reporter *r);
	void (*release)(void *state);
};

/* The checks, indexed by enum vg_integrity_check (one file each). */
extern const struct vg_check vg_check_kernel_hooks, vg_check_probe_events, vg_check_bpf_programs,
	vg_check_hidden_processes, vg_check_system_files;

/* ---- kernel symbols (/proc/kallsyms) ------------------------------------------------- */

struct vg_ksym {
	uint64_t addr;
	char type;
	const char *name;
};

struct vg_kallsyms {
	struct vg_ksym *syms; /* sorted by address */
	size_t n;
	char *names;
};

/* Loads the table from path (text symbols, and data symbols named in keep, NULL-ended);
 * -1 with the reason when it cannot be read or shows no addresses (kptr_restrict). */
int vg_kallsyms_load(struct vg_kallsyms *k, const char *path, const char *const *keep, char *why, size_t len);
/* The symbol named name, or NULL. */
const struct vg_ksym *vg_kallsyms_find(const struct vg_kallsyms *k, const char *name);
/* The symbol containing addr (the last one at or below it), or NULL. */
const struct vg_ksym *vg_kallsyms_at(const struct vg_kallsyms *k, uint64_t addr);
/* Bytes from sym to the next symbol's address (its size, as far as kallsyms tells). */
uint64_t vg_kallsyms_size(const struct vg_kallsyms *k, const struct vg_ksym *sym);
void vg_kallsyms_free(struct vg_kallsyms *k);

/* ---- kernel state through BPF (bpf/integrity.bpf.c) ------------------------------------ */

struct vg_kmem;

/* Loads the object; NULL with the reason (no BPF, lockdown=confidentiality, ...). */
struct vg_kmem *vg_kmem_open(char *why, size_t len);
/* Copies VG_KREAD_LEN bytes at each of n addresses into out; err[i] is 0 or the kernel's
 * negative errno for that address. -1 when the program could not run. */
int vg_kmem_read(struct vg_kmem *m, const uint64_t *addr, size_t n, uint8_t (*out)[VG_KREAD_LEN], int *err);
/* Every thread-group leader the kernel runs, in the agent's pid namespace (*out is
 * malloc'd); -1 when the iterator cannot run. */
int vg_kmem_tasks(struct vg_kmem *m, struct vg_ktask **out, size_t *n);
void vg_kmem_close(struct vg_kmem *m);

/* ---- shared helpers ------------------------------------------------------------------ */

/* The file's first line (at most len - 1 bytes, no newline) into buf; -1 when unreadable. */
int vg_read_line(const char *path, char *buf, size_t len);
/* "pid comm exe" of a process into buf (from /proc); false when it is gone. */
bool vg_proc_identity(uint32_t pid, char *comm, size_t comm_len, char *exe, size_t exe_len);

#endif

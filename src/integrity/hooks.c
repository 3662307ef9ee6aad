/* hooks.c — kernel_hooks: the entry of every syscall function read from the kernel's
 * memory (bpf/integrity.bpf.c), and the syscall dispatcher compared with itself.
 *
 * A kernel built with ftrace begins each traceable function (every __x64_sys_* and
 * __ia32_sys_* wrapper) with a 5-byte nop, after endbr64 where IBT is on. ftrace, BPF
 * trampolines and livepatch turn that nop into a call or a jump, kprobes into an int3, and
 * an inline hook overwrites it: whatever is there instead is reported, with the symbol it
 * calls or jumps to. ftrace's own accounting (tracefs enabled_functions) names the
 * functions hooked through ftrace; where it is readable, a hook it lists is "traced", one
 * it does not list is "hooked" (nobody declared it). Functions without the nop (where the
 * kernel has no ftrace) are compared with what the first pass read.
 *
 * The dispatcher: before 6.9, x86 dispatched through sys_call_table, whose entries must
 * each be a syscall function; since 6.9 through x64_sys_call's switch (sys_call_table is
 * then only for tracing, and kallsyms lists it only with CONFIG_KALLSYMS_ALL). Whichever
 * exists is checked: table entries by symbol, the dispatcher's code by a hash of its bytes
 * against the first pass. Changes made before the agent started are seen only through
 * the nop test and the table's symbols. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "integrity/hooks.h"
#include "integrity/internal.h"

#define MAX_TABLE 512
#define MAX_DISPATCH (64 * 1024)

struct target {
	const struct vg_ksym *sym;
	uint8_t first[VG_KREAD_LEN]; /* as the first pass read it */
};

struct hooks {
	struct vg_kallsyms ks;
	struct vg_kmem *km;
	struct target *t;
	size_t n;
	bool fentry_kernel;       /* most targets begin with the ftrace nop */
	char declared_why[160];   /* why enabled_functions cannot be read ("" when it can) */
	const struct vg_ksym *table, *dispatch;
	uint64_t dispatch_hash;
	size_t dispatch_len;
};

static const uint8_t nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

const char *vg_hook_kind(const uint8_t *b, size_t len, bool fentry_kernel, uint64_t addr, uint64_t *to)
{
	size_t at = len >= 4 && memcmp(b, endbr64, 4) == 0 ? 4 : 0;
	const uint8_t *site = b + at;

	if (len < at + 5)
		return NULL;
	if (memcmp(site, nop5, 5) == 0)
		return NULL;
	if (b[0] == 0xcc || site[0] == 0xcc)
		return "breakpoint"; /* int3: a kprobe, or a text patch under way */
	if (site[0] == 0xe8 || site[0] == 0xe9) {
		int32_t rel;

		memcpy(&rel, site + 1, 4);
		*to = addr + at + 5 + (int64_t)rel;
		return site[0] == 0xe8 ? "call" : "jump";
	}
	return fentry_kernel ? "overwritten" : NULL;
}

/* Functions ftrace reports hooked (tracefs enabled_functions: "name [+offset] (refs) ..."). */
static bool declared(const char *tracefs, const char *name)
{
	char path[256], line[512];
	size_t n = strlen(name);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/enabled_functions", tracefs);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, name, n) == 0 && (line[n] == ' ' || line[n] == '\t');
	fclose(f);
	return found;
}

static const char *tracefs_path(void)
{
	static const char *const paths[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char probe[128];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(probe, sizeof(probe), "%s/available_events", paths[i]);
		if (access(probe, F_OK) == 0)
			return paths[i];
	}
	return NULL;
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * VG_FNV_PRIME;
	return h;
}

/* FNV-1a of len bytes at addr (read in VG_KREAD_LEN chunks); 0 when unreadable. */
static uint64_t code_hash(struct vg_kmem *km, uint64_t addr, size_t len)
{
	size_t chunks = (len + VG_KREAD_LEN - 1) / VG_KREAD_LEN;
	uint64_t *a = calloc(chunks, sizeof(*a)), h = VG_FNV_OFFSET;
	uint8_t (*out)[VG_KREAD_LEN] = calloc(chunks, VG_KREAD_LEN);
	int *err = calloc(chunks, sizeof(*err));

	for (size_t i = 0; a && out && err && i < chunks; i++)
		a[i] = addr + i * VG_KREAD_LEN;
	if (!a || !out || !err || vg_kmem_read(km, a, chunks, out, err) < 0)
		h = 0;
	for (size_t i = 0; h && i < chunks; i++)
		h = err[i] ? 0 : hash_bytes(h, out[i], i + 1 == chunks && len % VG_KREAD_LEN ? len % VG_KREAD_LEN : VG_KREAD_LEN);
	free(a);
	free(out);
	free(err);
	return h;
}

/* A syscall function's entry (not its .cold or .isra part, which is no entry). */
static bool is_syscall_fn(const char *name)
{
	return (strncmp(name, "__x64_sys_", 10) == 0 || strncmp(name, "__ia32_sys_", 11) == 0) && !strchr(name, '.');
}

/* The symbol addr lies inside, or NULL: past the last symbol's end (or its successor) it is
 * memory kallsyms does not name, such as ftrace and BPF trampolines. A JIT-ed BPF program's
 * symbol (bpf_prog_TAG_NAME) has no known size and trampolines are allocated beside such
 * images, so an address after one is never taken for it. */
static const struct vg_ksym *symbol_of(const struct vg_kallsyms *ks, uint64_t addr)
{
	const struct vg_ksym *s = vg_kallsyms_at(ks, addr);
	uint64_t size = s ? vg_kallsyms_size(ks, s) : 0;

	if (s && strncmp(s->name, "bpf_prog_", 9) == 0 && addr != s->addr)
		return NULL;
	return s && size && addr - s->addr < size && size < (1u << 20) ? s : NULL;
}

bool vg_table_entry_ok(const struct vg_kallsyms *ks, uint64_t entry, char *why, size_t len)
{
	const struct vg_ksym *s = vg_kallsyms_at(ks, entry);

	if (s && s->addr == entry && (is_syscall_fn(s->name) || strstr(s->name, "sys_ni_syscall")))
		return true;
	if (s)
		snprintf(why, len, "points at %s+0x%llx, not a syscall function", s->name,
			 (unsigned long long)(entry - s->addr));
	else
		snprintf(why, len, "points at 0x%llx, outside the kernel's symbols", (unsigned long long)entry);
	return false;
}

static int read_targets(struct hooks *h, uint8_t (*out)[VG_KREAD_LEN], int *err)
{
	uint64_t *a = malloc(h->n * sizeof(*a));
	int rc;

	if (!a)
		return -1;
	for (size_t i = 0; i < h->n; i++)
		a[i] = h->t[i].sym->addr;
	rc = vg_kmem_read(h->km, a, h->n, out, err);
	free(a);
	return rc;
}

static void release(void *state)
{
	struct hooks *h = state;

	if (!h)
		return;
	vg_kmem_close(h->km);
	vg_kallsyms_free(&h->ks);
	free(h->t);
	free(h);
}

static bool prepare(const struct vg_integrity_opts *o, void **state, char *why, size_t len)
{
	static const char *const keep[] = { "sys_call_table", NULL };
	struct hooks *h = calloc(1, sizeof(*h));
	uint8_t (*first)[VG_KREAD_LEN] = NULL;
	const char *tracefs = tracefs_path();
	char path[256];
	int *err = NULL;
	size_t with_nop = 0;
	FILE *f;

	if (!h || vg_kallsyms_load(&h->ks, "/proc/kallsyms", keep, why, len) < 0 || !(h->km = vg_kmem_open(why, len)))
		goto fail;
	for (size_t i = 0; i < h->ks.n; i++)
		h->n += is_syscall_fn(h->ks.syms[i].name);
	if (!h->n) {
		snprintf(why, len, "no syscall functions (__x64_sys_*) in /proc/kallsyms");
		goto fail;
	}
	/* a few hundred of the ~100,000 text symbols */
	if (!(h->t = calloc(h->n, sizeof(*h->t)))) {
		snprintf(why, len, "out of memory");
		goto fail;
	}
	h->n = 0;
	for (size_t i = 0; i < h->ks.n; i++)
		if (is_syscall_fn(h->ks.syms[i].name))
			h->t[h->n++].sym = &h->ks.syms[i];
	first = calloc(h->n, VG_KREAD_LEN);
	err = calloc(h->n, sizeof(*err));
	if (!first || !err || read_targets(h, first, err) < 0) {
		snprintf(why, len, "BPF cannot read kernel memory here (lockdown=confidentiality?)");
		goto fail;
	}
	for (size_t i = 0; i < h->n; i++) {
		uint64_t to;

		memcpy(h->t[i].first, first[i], VG_KREAD_LEN);
		with_nop += !err[i] && !vg_hook_kind(first[i], VG_KREAD_LEN, true, h->t[i].sym->addr, &to);
	}
	h->fentry_kernel = with_nop * 10 >= h->n * 9;
	h->table = vg_kallsyms_find(&h->ks, "sys_call_table");
	if ((h->dispatch = vg_kallsyms_find(&h->ks, "x64_sys_call"))) {
		uint64_t size = vg_kallsyms_size(&h->ks, h->dispatch);

		h->dispatch_len = size && size < MAX_DISPATCH ? size : MAX_DISPATCH;
		h->dispatch_hash = code_hash(h->km, h->dispatch->addr, h->dispatch_len);
	}
	snprintf(path, sizeof(path), "%s/enabled_functions", tracefs ? tracefs : "/sys/kernel/tracing");
	if (!(f = fopen(path, "re")))
		snprintf(h->declared_why, sizeof(h->declared_why), "%s: %s", path, strerror(errno));
	else
		fclose(f);
	snprintf(why, len, "the entries of %zu syscall functions read through BPF%s; %s%s%s", h->n,
		 h->fentry_kernel ? " (ftrace nops expected)" : " (no ftrace nops: compared with the first pass)",
		 h->table ? "sys_call_table's entries by symbol"
			  : h->dispatch ? "sys_call_table is not in /proc/kallsyms, x64_sys_call's code hashed instead"
					: "no syscall dispatcher in /proc/kallsyms",
		 h->declared_why[0] ? "; tracefs enabled_functions unreadable, hooks cannot be told from tracing: "
				    : "; hooks checked against tracefs enabled_functions", h->declared_why);
	free(first);
	free(err);
	*state = h;
	return true;
fail:
	free(first);
	free(err);
	release(h);
	return false;
}

static void report_table(struct hooks *h, struct vg_reporter *r)
{
	uint64_t a[MAX_TABLE / (VG_KREAD_LEN / 8)];
	uint8_t out[MAX_TABLE / (VG_KREAD_LEN / 8)][VG_KREAD_LEN];
	int err[MAX_TABLE / (VG_KREAD_LEN / 8)];
	size_t chunks = sizeof(a) / sizeof(a[0]);
	char why[256], subject[64];

	for (size_t i = 0; i < chunks; i++)
		a[i] = h->table->addr + i * VG_KREAD_LEN;
	if (vg_kmem_read(h->km, a, chunks, out, err) < 0)
		return;
	for (size_t i = 0; i < chunks && !err[i]; i++)
		for (size_t j = 0; j < VG_KREAD_LEN / 8; j++) {
			uint64_t entry;
			size_t nr = i * (VG_KREAD_LEN / 8) + j;

			memcpy(&entry, out[i] + j * 8, 8);
			if (!entry || vg_table_entry_ok(&h->ks, entry, why, sizeof(why)))
				continue;
			snprintf(subject, sizeof(subject), "sys_call_table[%zu]", nr);
			vg_report(r, &(struct vg_finding){ .finding = "table_entry", .subject = subject, .detail = why,
							   .id = (int64_t)nr });
		}
}

static void run(void *state, struct vg_reporter *r)
{
	struct hooks *h = state;
	uint8_t (*now)[VG_KREAD_LEN] = calloc(h->n, VG_KREAD_LEN);
	int *err = calloc(h->n, sizeof(*err));
	const char *tracefs = tracefs_path();

	if (now && err && read_targets(h, now, err) == 0)
		for (size_t i = 0; i < h->n; i++) {
			const struct vg_ksym *s = h->t[i].sym, *dest;
			uint64_t to = 0;
			const char *kind = err[i] ? NULL : vg_hook_kind(now[i], VG_KREAD_LEN, h->fentry_kernel, s->addr, &to);
			bool changed = !err[i] && memcmp(now[i], h->t[i].first, VG_KREAD_LEN) != 0, listed;
			char detail[512];

			if (!kind && !changed)
				continue;
			listed = !h->declared_why[0] && tracefs && declared(tracefs, s->name);
			char where[160] = "";

			dest = to ? symbol_of(&h->ks, to) : NULL;
			if (dest)
				snprintf(where, sizeof(where), " to %s", dest->name);
			else if (to)
				snprintf(where, sizeof(where), " to 0x%llx, outside the kernel's symbols (a trampoline or module memory)",
					 (unsigned long long)to);
			snprintf(detail, sizeof(detail), "%s%s at its entry%s%s", kind ? kind : "bytes changed", where,
				 changed ? " (changed since the agent started)" : "",
				 h->declared_why[0] ? "; not checked against ftrace (enabled_functions unreadable)"
				 : listed ? "; listed by ftrace (enabled_functions)" : "; not listed by ftrace");
			vg_report(r, &(struct vg_finding){ .finding = listed ? "traced" : "hooked", .subject = s->name,
							   .detail = detail, .id = (int64_t)s->addr });
		}
	if (h->table)
		report_table(h, r);
	if (h->dispatch && h->dispatch_hash) {
		uint64_t now_hash = code_hash(h->km, h->dispatch->addr, h->dispatch_len);
		char detail[160];

		snprintf(detail, sizeof(detail), "the code of %s (%zu bytes) changed since the agent started", h->dispatch->name,
			 h->dispatch_len);
		if (now_hash && now_hash != h->dispatch_hash)
			vg_report(r, &(struct vg_finding){ .finding = "changed", .subject = h->dispatch->name, .detail = detail,
							   .id = (int64_t)h->dispatch->addr });
	}
	free(now);
	free(err);
}

const struct vg_check vg_check_kernel_hooks = { prepare, run, release };

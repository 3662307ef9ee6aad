/* filter.c — the rules' kernel filter (a struct vg_kernel_filter from src/rules/filter.c)
 * into the sensor's maps (bpf/lib/filter.h): per type its classes and the atom kinds it
 * uses, every atom hashed (bpf/vigil_filter.h, the same functions the kernel runs) into
 * the Bloom filter once per class it passes. The kernel reads one of two filters; a new
 * one is written into the other, then made the active one, so that no program ever reads
 * a filter half written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/loader.h"
#include "rules/rules.h"
#include "vigil.skel.h"
#include "vigil_filter.h"

static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = vg_fh_name_start((uint32_t)len);

	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = 0;

		memcpy(&w, s + i, len - i < 8 ? len - i : 8);
		h = vg_fh_name_word(h, w);
	}
	return vg_fh_name_end(h);
}

/* A clean absolute path, root first ("/" is the root itself). */
static uint64_t path_hash(const char *path)
{
	uint64_t h = VG_FH_ROOT;

	for (const char *p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n)
			h = vg_fh_join(h, name_hash(p, n));
		p += n;
	}
	return h;
}

static uint64_t atom_value(const struct vg_filter_atom *a)
{
	uint64_t w[2] = { 0, 0 };

	switch (a->kind) {
	case VG_ATOM_EXACT:
	case VG_ATOM_PREFIX:
		return path_hash(a->text);
	case VG_ATOM_PARTIAL:
		return vg_fh_join(path_hash(a->text), name_hash(a->start, strlen(a->start)));
	case VG_ATOM_DPORT:
		return vg_fh_port(a->number);
	case VG_ATOM_CALL:
		return vg_fh_call(a->number);
	case VG_ATOM_DADDR:
		memcpy(w, a->ip.addr, sizeof(w));
		return vg_fh_addr(w[0], w[1], a->ip.family, a->bits);
	default: /* names: DIR, LEAF, START, END, COMM, COMM_START */
		return name_hash(a->text, strlen(a->text));
	}
}

static bool path_kind(unsigned kind)
{
	return kind <= VG_ATOM_END || kind == VG_ATOM_EXE;
}

/* Adds a's prefix length to the family's list; false when the list is full. */
static bool addr_len(struct vg_filter *f, const struct vg_filter_atom *a)
{
	uint8_t *lens = f->addr_lens[a->ip.family == 6];

	for (int i = 0; i < VG_FILTER_ADDR_LENS; i++) {
		if (lens[i] == a->bits)
			return true;
		if (lens[i] == 0xff) {
			lens[i] = (uint8_t)a->bits;
			return true;
		}
	}
	return false;
}

static void bloom_set(struct vg_filter *f, uint64_t key)
{
	uint32_t b1 = vg_fh_bit1(key), b2 = vg_fh_bit2(key);

	f->bloom[b1 / 64] |= 1ull << (b1 % 64);
	f->bloom[b2 / 64] |= 1ull << (b2 % 64);
}

/* The map value for kf; whole[t]: every event of t must reach user space. */
static void build(struct vg_filter *f, const struct vg_kernel_filter *kf, const bool whole[VG_EV__COUNT])
{
	memset(f, 0, sizeof(*f));
	memset(f->addr_lens, 0xff, sizeof(f->addr_lens));
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		if (kf->on[t] && !whole[t]) {
			f->type[t].on = 1;
			f->type[t].any = kf->any[t];
		}
	for (int i = 0; i < kf->natoms; i++) {
		const struct vg_filter_atom *a = &kf->atoms[i];
		struct vg_filter_type *t = &f->type[a->type];
		uint64_t value;

		if (!t->on)
			continue;
		if (a->kind == VG_ATOM_DADDR && !addr_len(f, a)) {
			t->on = 0; /* more prefix lengths than the kernel tries: pass every event */
			continue;
		}
		t->atoms |= a->classes;
		t->kinds |= 1u << a->kind;
		if (path_kind(a->kind))
			t->slots |= 1u << a->slot;
		if (a->kind == VG_ATOM_START || a->kind == VG_ATOM_PARTIAL)
			t->start_lens[a->slot] |= 1u << (strlen(a->kind == VG_ATOM_START ? a->text : a->start) - 1);
		else if (a->kind == VG_ATOM_END)
			t->end_lens[a->slot] |= 1u << (strlen(a->text) - 1);
		else if (a->kind == VG_ATOM_COMM_START)
			t->comm_lens |= 1u << (strlen(a->text) - 1);
		if (a->kind == VG_ATOM_EXE || a->kind == VG_ATOM_AGENT)
			continue; /* a lookup (vg_filter_exes, the watch list), not a bit */
		value = atom_value(a);
		for (unsigned c = 0; c < VG_FC_COUNT; c++)
			if (a->classes >> c & 1)
				bloom_set(f, vg_fh_key(value, a->kind, a->slot, a->type, c));
	}
	f->exe_window_ns = kf->exe_window_ns;
}

int vg_loader_set_filter(struct vg_loader *l, const struct vg_kernel_filter *kf, const bool whole[VG_EV__COUNT])
{
	int fd = bpf_map__fd(l->skel->maps.vg_filter), active_fd = bpf_map__fd(l->skel->maps.vg_filter_active);
	struct vg_filter *f = malloc(sizeof(*f));
	__u32 zero = 0, active = 0, next;
	int rc = -1;

	if (!f)
		return -1;
	build(f, kf, whole);
	if (bpf_map_lookup_elem(active_fd, &zero, &active) == 0) {
		next = !(active & 1);
		/* a program that read the old index just before the last flip may still be
		 * reading the slot about to be written: give it time to finish */
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
		if (bpf_map_update_elem(fd, &next, f, BPF_ANY) == 0 &&
		    bpf_map_update_elem(active_fd, &zero, &next, BPF_ANY) == 0) {
			l->exe_window_ns = f->exe_window_ns;
			rc = 0;
		}
	}
	free(f);
	return rc;
}

int vg_loader_prune_exes(struct vg_loader *l, uint64_t now_boot_ns)
{
	int fd = bpf_map__fd(l->skel->maps.vg_filter_exes), n = 0;
	__u64 key, next, seen;
	bool more;

	if (!l->exe_window_ns || now_boot_ns < l->exe_window_ns)
		return 0;
	more = bpf_map_get_next_key(fd, NULL, &key) == 0;
	while (more) {
		more = bpf_map_get_next_key(fd, &key, &next) == 0;
		/* only what no sequence can still need: its window is over */
		if (bpf_map_lookup_elem(fd, &key, &seen) == 0 && seen + l->exe_window_ns + 1000000000ull < now_boot_ns &&
		    bpf_map_delete_elem(fd, &key) == 0)
			n++;
		key = next;
	}
	return n;
}

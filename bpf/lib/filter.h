/* lib/filter.h — the kernel filters derived from the rules (vigil_filter.h), applied by the
 * handlers before they build a record: an event no rule can match is counted
 * (VG_DROP_FILTERED, not a loss) and goes no further.
 *
 * A handler gives the event's class and facts; paths are hashed component by component,
 * either walked up from a dentry (leaf first, as lib/path.h walks) or parsed from the
 * caller's string, into root-first component records, then every atom kind the type uses
 * is tested against the Bloom filter. Nothing here copies a path into a record: an event
 * that passes is built as before. Sensor only (it counts in vg_drops). */
#ifndef VIGIL_LIB_FILTER_H
#define VIGIL_LIB_FILTER_H

#include "lib/maps.h"
#include "lib/extract.h"
#include "vigil_filter.h"

/* Two filters, so that user space writes the one the kernel is not reading and then flips
 * vg_filter_active. A zeroed filter passes everything. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct vg_filter);
} vg_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vg_filter_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_filter_state);
} vg_filter_state SEC(".maps");

/* Executables by path hash -> boot ns of their last exec (EXE atoms). A hash map, not an
 * LRU: a full map is noticed (vg_filter_state) instead of forgetting in silence. User space
 * removes what is older than the window. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_FILTER_EXES);
	__type(key, __u64);
	__type(value, __u64);
} vg_filter_exes SEC(".maps");

/* One path component: its name's hash, its first and last 8 bytes (padded with zeros). */
struct vg_fcomp {
	__u64 hash;
	__u64 first;
	__u64 last; /* len >= 8: bytes len-8..len-1; else as first */
	__u32 len;
	__u32 pad;
};

#define VG_FCOMPS (VG_PATH_DEPTH + 16) /* a power of two */
#define VG_FSTR   (VG_PATH_MAX + 512)  /* a caller's string, and room to read words past it */

/* Bytes being hashed: a dentry's name, or the caller's string. */
struct vg_fbytes {
	__u8 b[VG_FSTR];
};

/* Per CPU: the components of the path being judged (root first), a buffer for a dentry's
 * name and one for the caller's string. */
struct vg_fpath {
	__u32 n;
	__u32 uncertain; /* too deep or long, "..": the path passes */
	__u32 total;     /* bytes of the path as user space shows it */
	/* a caller's string being parsed: where the component being read starts and the next
	 * word to look at (kept here, not on the stack: the verifier sees an unknown value and
	 * checks one step of the parse, not every position a constant start could take) */
	__u32 parse_start, parse_pos;
	__u32 pad;
	struct vg_fcomp c[VG_FCOMPS];
	struct vg_fbytes name;
	struct vg_fbytes str;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_fpath);
} vg_filter_path SEC(".maps");

/* What the filter says about an event. */
enum vg_verdict { VG_FILTER_DROP, VG_FILTER_PASS, VG_FILTER_MATCH };

static __always_inline const struct vg_filter *vg_filter_get(void)
{
	__u32 zero = 0, *active = bpf_map_lookup_elem(&vg_filter_active, &zero), idx;

	if (!active)
		return NULL;
	idx = *active & 1;
	return bpf_map_lookup_elem(&vg_filter, &idx);
}

static __always_inline struct vg_fpath *vg_fpath_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vg_filter_path, &zero);
}

/* 1 when both of the key's bits are set: computed without a branch, so that the
 * verifier does not follow each test's two outcomes. */
static __always_inline __u64 vg_bloom_test(const struct vg_filter *f, __u64 key)
{
	__u32 b1 = vg_fh_bit1(key), b2 = vg_fh_bit2(key);

	return (f->bloom[(b1 >> 6) & (VG_FILTER_BLOOM_WORDS - 1)] >> (b1 & 63)) &
	       (f->bloom[(b2 >> 6) & (VG_FILTER_BLOOM_WORDS - 1)] >> (b2 & 63)) & 1;
}

static __always_inline bool vg_filter_hit(const struct vg_filter *f, __u64 value, __u32 kind, __u32 slot,
					  __u32 type, __u32 cls)
{
	return vg_bloom_test(f, vg_fh_key(value, kind, slot, type, cls));
}

static __always_inline bool vg_kind(const struct vg_filter_type *t, __u32 kind)
{
	return (t->kinds >> kind) & 1;
}

/* Whether some atom of the type is of the kind. */
static __always_inline bool vg_filter_kind(const struct vg_filter *f, __u32 type, __u32 kind)
{
	return vg_kind(&f->type[type & (VG_FILTER_TYPES - 1)], kind);
}

/* ---- components --------------------------------------------------------------------- */

/* The name of len bytes at off in bytes into c (the bytes past len are not looked at).
 * Global functions here are verified once, on their own, not once per caller. */
__noinline int vg_fcomp_hash(struct vg_fcomp *c, const struct vg_fbytes *bytes, __u32 off, __u32 len)
{
	const __u8 *buf;
	__u64 h, w = 0;

	if (!c || !bytes || len > 255 || off > VG_PATH_MAX)
		return 0;
	buf = bytes->b + (off & (VG_PATH_MAX - 1));
	h = vg_fh_name_start(len);
	c->first = 0;
	for (__u32 i = 0; i < 32; i++) {
		if (i * 8 >= len)
			break;
		w = *(const __u64 *)(buf + i * 8);
		if (i * 8 + 8 > len)
			w &= vg_fh_mask(len - i * 8);
		if (i == 0)
			c->first = w;
		h = vg_fh_name_word(h, w);
	}
	c->hash = vg_fh_name_end(h);
	c->last = len >= 8 ? *(const __u64 *)(buf + ((len - 8) & 255)) : c->first;
	c->len = len;
	return 0;
}

struct vg_fwalk {
	struct vg_fpath *p;
	struct dentry *dentry;
	struct mount *mnt;
};

/* One component per step, leaf first, as lib/path.h's walk: the name is read into the
 * buffer and hashed. */
static long vg_fwalk_step(__u64 i, void *arg)
{
	struct vg_fwalk *w = arg;
	struct vg_fpath *p = w->p;
	struct dentry *d = VG_CAST(dentry, w->dentry), *parent = d->d_parent;
	struct mount *mnt = VG_CAST(mount, w->mnt);
	__u32 n = p->n, len;

	if (d == mnt->mnt.mnt_root) {
		struct mount *mnt_parent = mnt->mnt_parent;

		if (mnt == mnt_parent)
			return 1;
		w->dentry = mnt->mnt_mountpoint;
		w->mnt = mnt_parent;
		return 0;
	}
	len = d->d_name.len;
	if (n >= VG_PATH_DEPTH || len > 255 || len == 0) {
		p->uncertain = 1;
		return 1;
	}
	if (bpf_probe_read_kernel(p->name.b, len & 255, d->d_name.name) < 0) {
		p->uncertain = 1;
		return 1;
	}
	vg_fcomp_hash(&p->c[n & (VG_FCOMPS - 1)], &p->name, 0, len);
	p->n = n + 1;
	p->total += len + 1;
	if (d == parent)
		return 1; /* a pseudo or disconnected dentry: its name is the path */
	w->dentry = parent;
	return 0;
}

struct vg_frev {
	struct vg_fpath *p;
	__u32 from, n; /* reverse c[from..from+n) */
};

static long vg_frev_step(__u64 i, void *arg)
{
	struct vg_frev *r = arg;
	__u32 a = r->from + i, b = r->from + r->n - 1 - i;
	struct vg_fcomp t;

	if (i >= r->n / 2)
		return 1;
	t = r->p->c[a & (VG_FCOMPS - 1)];
	r->p->c[a & (VG_FCOMPS - 1)] = r->p->c[b & (VG_FCOMPS - 1)];
	r->p->c[b & (VG_FCOMPS - 1)] = t;
	return 0;
}

/* Appends the path of (dentry, mount), root first. */
static __always_inline void vg_fpath_dentry(struct vg_fpath *p, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	struct vg_fwalk w = { .p = p, .dentry = dentry, .mnt = vg_real_mount(vfsmnt) };
	struct vg_frev r = { .p = p, .from = p->n };

	if (!dentry || !vfsmnt) {
		p->uncertain = 1;
		return;
	}
	/* a walk that used every step did not reach the root: the path is not all known */
	if (bpf_loop(VG_PATH_DEPTH + 1, vg_fwalk_step, &w, 0) >= VG_PATH_DEPTH + 1)
		p->uncertain = 1;
	r.n = p->n - r.from;
	bpf_loop(VG_PATH_DEPTH, vg_frev_step, &r, 0);
}

static __always_inline void vg_fpath_file(struct vg_fpath *p, struct file *any)
{
	struct file *f = VG_CAST(file, any);

	vg_fpath_dentry(p, f->f_path.dentry, f->f_path.mnt);
}

struct vg_fparse {
	struct vg_fpath *p;
	__u32 len; /* bytes of the string */
};

/* The component p->parse_start..end closes: empty and "." components go, ".." makes the path
 * uncertain (user space cleans lexically, and a ".." after a symlink is not what the kernel
 * resolved either). Returns 1 when the parse ends. */
static __always_inline long vg_fparse_close(struct vg_fparse *s, __u32 end, bool last)
{
	struct vg_fpath *p = s->p;
	__u32 start = p->parse_start, clen = end - start, n;
	const __u8 *name = p->str.b + (start & (VG_PATH_MAX - 1));

	p->parse_start = p->parse_pos = end + 1;
	if (clen == 0 || (clen == 1 && name[0] == '.'))
		return last;
	n = p->n;
	if (clen > 255 || (clen == 2 && name[0] == '.' && name[1] == '.') || n >= VG_PATH_DEPTH) {
		p->uncertain = 1;
		return 1;
	}
	vg_fcomp_hash(&p->c[n & (VG_FCOMPS - 1)], &p->str, start, clen);
	p->n = n + 1;
	p->total += clen + 1;
	return last;
}

#define VG_FBYTES(b) (0x0101010101010101ull * (b))

/* One word (8 bytes) of the caller's string per step, or one component closed: the first
 * '/' in the word is found with the zero-byte test on word ^ "////////" (exact for the
 * lowest byte, which is the one used) and its index by a multiply, without a branch. */
static long vg_fparse_step(__u64 i, void *arg)
{
	struct vg_fparse *s = arg;
	__u32 pos = s->p->parse_pos, k;
	__u64 w, x, t;

	if (pos > s->len)
		return 1;
	/* the buffer has room for a word past VG_PATH_MAX: no read leaves it */
	w = *(const __u64 *)(s->p->str.b + (pos & (VG_PATH_MAX - 1)));
	x = w ^ VG_FBYTES('/');
	t = (x - VG_FBYTES(0x01)) & ~x & VG_FBYTES(0x80);
	k = t ? (__u32)((((t & -t) >> 7) * 0x0001020304050607ull) >> 56) : 8;
	if (k < 8 && pos + k < s->len)
		return vg_fparse_close(s, pos + k, false);
	if (pos + 8 < s->len) {
		s->p->parse_pos = pos + 8;
		return 0;
	}
	vg_fparse_close(s, s->len, true);
	return 1;
}

/* Appends the path a caller named as (dfd, name), as user space joins and cleans it: an
 * absolute name alone, else the directory's path then the name's components. A NULL name
 * is dfd's file; an unreadable one leaves no path. */
static __always_inline void vg_fpath_upath(struct vg_fpath *p, long dfd, const char *name)
{
	struct vg_fparse s = { .p = p };
	long n;

	if (!name) {
		struct file *f = vg_current_fd((__u32)dfd);

		if (f)
			vg_fpath_file(p, f);
		else
			p->uncertain = 1;
		return;
	}
	n = bpf_probe_read_user_str(p->str.b, VG_PATH_MAX, name);
	if (n <= 0)
		return;
	s.len = n - 1;
	if (s.len == 0 || p->str.b[0] != '/') {
		struct task_struct *task = bpf_get_current_task_btf();
		struct file *f;

		if ((int)dfd == VG_AT_FDCWD) {
			vg_fpath_dentry(p, task->fs->pwd.dentry, task->fs->pwd.mnt);
		} else if ((f = vg_current_fd((__u32)dfd))) {
			vg_fpath_file(p, f);
		} else {
			p->uncertain = 1; /* user space shows the bare relative name */
			return;
		}
	}
	p->parse_start = p->parse_pos = 0;
	bpf_loop(s.len + 1, vg_fparse_step, &s, 0);
}

static __always_inline void vg_fpath_reset(struct vg_fpath *p)
{
	p->n = 0;
	p->uncertain = 0;
	p->total = 0;
}

/* ---- judging a path ------------------------------------------------------------------ */

/* The path kinds, EXACT..END: their salts are computed once per judge. */
#define VG_FPATH_KINDS (VG_ATOM_END + 1)

struct vg_fjudge {
	const struct vg_filter *f;
	struct vg_fpath *p;
	__u64 salt[VG_FPATH_KINDS]; /* vg_fh_salt of each path kind for (slot, type, cls) */
	__u64 hit;
	__u64 dir;   /* hash of the components before the current one */
	__u32 kinds; /* the type's VG_ATOM_* bits */
	__u8 start_lens, end_lens; /* the type's for the slot */
};

/* A test that counts only when the type uses the kind. */
static __always_inline __u64 vg_ftest(const struct vg_fjudge *j, __u64 value, __u32 kind)
{
	return vg_bloom_test(j->f, vg_fh_salted(value, j->salt[kind])) & (j->kinds >> kind);
}

static __always_inline __u64 vg_fh_start_of(const struct vg_fcomp *c, __u32 len)
{
	return vg_fh_short(c->first & vg_fh_mask(len), len);
}

static __always_inline __u64 vg_fh_end_of(const struct vg_fcomp *c, __u32 len)
{
	__u64 w = c->len >= 8 ? c->last >> ((8 - len) * 8 & 63) : (c->first >> ((c->len - len) * 8 & 63)) & vg_fh_mask(len);

	return vg_fh_short(w, len);
}

/* The lowest length (1..8) in lens, a non-empty set of bits L-1, taken out of it: without
 * a branch, so that the verifier follows one path per length. */
static __always_inline __u32 vg_flen_take(__u32 *lens)
{
	__u32 low = *lens & -*lens;

	*lens ^= low;
	return 1 + (((low & 0xaa) + 0xff) >> 8) + 2 * (((low & 0xcc) + 0xff) >> 8) + 4 * (((low & 0xf0) + 0xff) >> 8);
}

/* START and PARTIAL atoms (END ones when end) of the component, for the lengths the type's
 * atoms have, shortest first: a length past the name ends it. */
static __always_inline void vg_fjudge_parts(struct vg_fjudge *j, const struct vg_fcomp *c, __u32 lens, bool end)
{
	for (__u32 k = 0; k < VG_FILTER_PART; k++) {
		__u32 len;
		__u64 start;

		if (!lens)
			break;
		len = vg_flen_take(&lens);
		if (len > c->len)
			break;
		if (end) {
			j->hit |= vg_ftest(j, vg_fh_end_of(c, len), VG_ATOM_END);
		} else {
			start = vg_fh_start_of(c, len);
			j->hit |= vg_ftest(j, start, VG_ATOM_START) | vg_ftest(j, vg_fh_join(j->dir, start), VG_ATOM_PARTIAL);
		}
	}
}

/* One component, root first: every atom kind that can hold at its place. */
static long vg_fjudge_step(__u64 i, void *arg)
{
	struct vg_fjudge *j = arg;
	struct vg_fpath *p = j->p;
	const struct vg_fcomp *c;
	__u64 path;
	bool leaf;

	if (i >= p->n || i >= VG_FCOMPS)
		return 1;
	c = &p->c[i & (VG_FCOMPS - 1)];
	leaf = i + 1 == p->n;
	path = vg_fh_join(j->dir, c->hash);
	j->hit |= vg_ftest(j, path, VG_ATOM_PREFIX);
	if (leaf)
		j->hit |= vg_ftest(j, path, VG_ATOM_EXACT) | vg_ftest(j, c->hash, VG_ATOM_LEAF);
	else
		j->hit |= vg_ftest(j, c->hash, VG_ATOM_DIR);
	if (j->start_lens && !j->hit)
		vg_fjudge_parts(j, c, j->start_lens, false); /* uses j->dir: the directory */
	if (leaf && j->end_lens && !j->hit)
		vg_fjudge_parts(j, c, j->end_lens, true);
	j->dir = path;
	return j->hit;
}

/* Whether an EXE atom of the type matches the path whose hash is path. */
static __always_inline bool vg_filter_exe(const struct vg_filter *f, __u64 path, __u64 now)
{
	__u32 zero = 0;
	struct vg_filter_state *st = bpf_map_lookup_elem(&vg_filter_state, &zero);
	__u64 *seen;

	if (st && st->exe_lost_ns && now - st->exe_lost_ns < f->exe_window_ns)
		return true; /* some executable was not remembered: any may be one */
	seen = bpf_map_lookup_elem(&vg_filter_exes, &path);
	return seen && now - *seen < f->exe_window_ns;
}

/* Whether the path in p matches an atom of (type, cls) for slot. A global function: the
 * verifier checks it once, on its own, instead of once per caller and path through it. */
__noinline int vg_filter_path_judge(const struct vg_filter *f, struct vg_fpath *p, __u32 type, __u32 cls, __u32 slot)
{
	struct vg_fjudge j = { .f = f, .p = p, .dir = VG_FH_ROOT };
	const struct vg_filter_type *t;

	if (!f || !p || p->uncertain || p->total > VG_PATH_MAX - 8)
		return 1;
	if (p->n == 0)
		return 0;
	t = &f->type[type & (VG_FILTER_TYPES - 1)];
	j.kinds = t->kinds;
	j.start_lens = t->start_lens[slot & 1];
	j.end_lens = t->end_lens[slot & 1];
	for (__u32 k = 0; k < VG_FPATH_KINDS; k++)
		j.salt[k] = vg_fh_salt(k, slot, type, cls);
	bpf_loop(VG_FCOMPS, vg_fjudge_step, &j, 0);
	if (j.hit)
		return 1;
	/* every step ran: j.dir is now the whole path's hash */
	return vg_kind(&f->type[type & (VG_FILTER_TYPES - 1)], VG_ATOM_EXE) && vg_filter_exe(f, j.dir, bpf_ktime_get_boot_ns());
}

static __always_inline bool vg_filter_path_hit(const struct vg_filter *f, struct vg_fpath *p, __u32 type, __u32 cls,
					       __u32 slot)
{
	return vg_filter_path_judge(f, p, type, cls, slot) != 0;
}

/* The way the file was opened (file.call, enum vg_open_call) against CALL atoms. */
static __always_inline bool vg_filter_call_hit(const struct vg_filter *f, __u32 type, __u32 cls, __u32 call)
{
	return vg_filter_kind(f, type, VG_ATOM_CALL) && vg_filter_hit(f, vg_fh_call(call), VG_ATOM_CALL, 0, type, cls);
}

/* The current thread's name (proc.name) against COMM and COMM_START atoms. */
__noinline int vg_filter_comm_judge(const struct vg_filter *f, __u32 type, __u32 cls)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct vg_filter_type *t;
	__u64 w[2], h;
	__u32 len = VG_FILTER_COMM;

	if (!f)
		return 0;
	t = &f->type[type & (VG_FILTER_TYPES - 1)];
	if (!vg_kind(t, VG_ATOM_COMM) && !vg_kind(t, VG_ATOM_COMM_START))
		return 0;
	__builtin_memcpy(w, task->comm, sizeof(w));
	for (__u32 i = 0; i < VG_FILTER_COMM; i++)
		if (!((w[i / 8] >> (8 * (i % 8))) & 0xff)) {
			len = i;
			break;
		}
	if (len < 8) {
		w[0] &= vg_fh_mask(len);
		w[1] = 0;
	} else {
		w[1] &= vg_fh_mask(len - 8);
	}
	if (vg_kind(t, VG_ATOM_COMM)) {
		h = vg_fh_name_start(len);
		if (len)
			h = vg_fh_name_word(h, w[0]);
		if (len > 8)
			h = vg_fh_name_word(h, w[1]);
		if (vg_filter_hit(f, vg_fh_name_end(h), VG_ATOM_COMM, 0, type, cls))
			return 1;
	}
	if (!vg_kind(t, VG_ATOM_COMM_START))
		return 0;
	for (__u32 l = 1; l <= VG_FILTER_COMM; l++) {
		if (l > len)
			break;
		if (!((t->comm_lens >> (l - 1)) & 1))
			continue;
		h = vg_fh_name_word(vg_fh_name_start(l), l < 8 ? w[0] & vg_fh_mask(l) : w[0]);
		if (l > 8)
			h = vg_fh_name_word(h, w[1] & vg_fh_mask(l - 8));
		if (vg_filter_hit(f, vg_fh_name_end(h), VG_ATOM_COMM_START, 0, type, cls))
			return 1;
	}
	return 0;
}

static __always_inline bool vg_filter_comm_hit(const struct vg_filter *f, __u32 type, __u32 cls)
{
	return vg_filter_comm_judge(f, type, cls) != 0;
}

/* The start of every filter decision: DROP or MATCH when the class alone decides, PASS
 * when the type is not filtered, else -1 (the facts decide). */
static __always_inline int vg_filter_class(const struct vg_filter *f, __u32 type, __u32 cls)
{
	const struct vg_filter_type *t;

	if (!f)
		return VG_FILTER_PASS;
	t = &f->type[type & (VG_FILTER_TYPES - 1)];
	if (!t->on)
		return VG_FILTER_PASS;
	if ((t->any >> cls) & 1)
		return VG_FILTER_MATCH;
	if (!((t->atoms >> cls) & 1))
		return VG_FILTER_DROP;
	return -1;
}

static __always_inline bool vg_filter_uses(const struct vg_filter *f, __u32 type, __u32 slot)
{
	return (f->type[type & (VG_FILTER_TYPES - 1)].slots >> slot) & 1;
}

/* Counts a drop; returns the verdict for the caller's convenience. */
static __always_inline int vg_filter_done(__u32 type, int verdict)
{
	if (verdict == VG_FILTER_DROP)
		vg_count_drop(type, VG_DROP_FILTERED);
	return verdict;
}

/* ---- EXE atoms: remembering executables at exec ----------------------------------------- */

/* Records that the executable behind exe ran now (when some rule's filter needs it). */
static __always_inline void vg_filter_exec(struct file *exe)
{
	const struct vg_filter *f = vg_filter_get();
	struct vg_fpath *p;
	__u64 now, path = VG_FH_ROOT;
	__u32 zero = 0;

	if (!f || !f->exe_window_ns || !(p = vg_fpath_get()))
		return;
	now = bpf_ktime_get_boot_ns();
	vg_fpath_reset(p);
	vg_fpath_file(p, exe);
	for (__u32 i = 0; i < VG_FCOMPS; i++) {
		if (i >= p->n)
			break;
		path = vg_fh_join(path, p->c[i].hash);
	}
	if (p->uncertain || p->total > VG_PATH_MAX - 8 || p->n == 0 ||
	    bpf_map_update_elem(&vg_filter_exes, &path, &now, BPF_ANY) < 0) {
		struct vg_filter_state *st = bpf_map_lookup_elem(&vg_filter_state, &zero);

		if (st)
			st->exe_lost_ns = now;
	}
}

#endif

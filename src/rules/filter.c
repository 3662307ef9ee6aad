/* filter.c — kernel filters from the compiled rules (bpf/vigil_filter.h): for each event type
 * the kernel can filter, a description of every event some enabled rule could match, so that
 * the kernel drops the rest before it builds a record.
 *
 * Soundness first: the description over-approximates. Each condition is read, for one event
 * type, as a set of classes that pass whatever else (`any`) plus atoms that pass their class
 * when a fact matches (a path below /etc/cron.d, a process named bash, port 22). A test the
 * kernel cannot judge (a user, an ancestor, a flag it does not see) becomes "true", which
 * lets everything through; AND keeps the atoms of one side, each restricted to the classes
 * the other side allows, which passes at least their intersection; OR joins both; NOT
 * flips only what is exact (evt.type, evt.ret signs, the write bit), and is "true" for the
 * rest. A regex gives atoms only from what every match must contain: its literal prefix
 * under ^, its literal end before $ (also before a final newline, as PCRE's $ allows), or a
 * whole path component inside; a limit hit (three-valued logic) stands for "might match",
 * and a subject without the literal cannot match. Sequence steps add their own atoms; a
 * capture of a successful exec's executable compared with file.path becomes an EXE atom
 * (the kernel remembers every executable it saw exec for the rule's window), so a later
 * step is never filtered away from a sequence that could complete. Deny rules are decided
 * on the permission path and need no events. */
#define _GNU_SOURCE /* memrchr */
#include <stdlib.h>
#include <string.h>
#include "vigil_filter.h"
#include "file_event.h"
#include "rules/internal.h"

struct fatom {
	unsigned kind, slot;
	uint16_t classes;
	char *text, *start; /* start: PARTIAL's first bytes of the name below text */
	uint32_t number; /* DPORT: the port; CALL: the enum vg_open_call */
	struct vg_ip ip;
	unsigned bits;
};

struct approx {
	uint16_t any;
	bool exact; /* no atoms, and any is exactly the condition: a NOT may flip it */
	int n, cap;
	struct fatom *a; /* owned by this approximation alone: or_into appends in place */
};

/* Atoms one approximation may hold: past it, it lets everything through (sound), so that a
 * hostile rule file (20,000 names in one list) costs bounded time and memory here. The
 * default rules' largest holds a few hundred. */
#define MAX_APPROX_ATOMS 8192

struct fctx {
	struct arena *mem;
	const struct rule *rule;
	unsigned type;
	unsigned facts;
	uint64_t exe_window_ns; /* windows of the sequences that gave EXE atoms */
};

static struct approx approx_of(struct fctx *c, const struct node *n);

static unsigned facts_of(unsigned type)
{
	switch (type) {
#define VG_FILTER_FACTS(T, facts) \
	case VG_EV_##T:           \
		return facts;
		VG_FILTERED_EVENTS(VG_FILTER_FACTS)
#undef VG_FILTER_FACTS
	case VG_EV_EXEC: /* not filtered, but a capture from it must be a successful one */
		return VG_FD_FAIL;
	}
	return 0;
}

bool vg_filter_type_supported(unsigned type)
{
	return type != VG_EV_EXEC && facts_of(type) != 0;
}

/* Classes an event of the type can have: the class bits it does not judge stay 0. */
static uint16_t reachable(unsigned facts)
{
	uint16_t m = 0;

	for (unsigned c = 0; c < VG_FC_COUNT; c++)
		if (!(c & ~facts & (VG_FC_COUNT - 1)))
			m |= 1u << c;
	return m;
}

static uint16_t classes_with(unsigned bit)
{
	uint16_t m = 0;

	for (unsigned c = 0; c < VG_FC_COUNT; c++)
		if (c & bit)
			m |= 1u << c;
	return m;
}

/* ---- building approximations ---------------------------------------------------------- */

static struct approx all(bool exact)
{
	return (struct approx){ .any = VG_FC_ALL, .exact = exact };
}

static struct approx none(bool exact)
{
	return (struct approx){ .any = 0, .exact = exact };
}

static struct approx classes(uint16_t any, bool exact)
{
	return (struct approx){ .any = any, .exact = exact };
}

/* A copy of the n elements of size bytes at old, with room for cap (old may be NULL when n
 * is 0). */
static void *grow_to(struct arena *mem, const void *old, int n, int cap, size_t size)
{
	void *grown = arena_alloc(mem, (size_t)cap * size);

	if (n)
		memcpy(grown, old, (size_t)n * size);
	return grown;
}

static void *grow(struct arena *mem, const void *old, int n, size_t size)
{
	return grow_to(mem, old, n, n + 1, size);
}

static void push(struct fctx *c, struct approx *x, struct fatom a)
{
	if (x->any == VG_FC_ALL)
		return; /* everything passes whole: an atom adds nothing */
	if (x->n == MAX_APPROX_ATOMS) {
		*x = all(false);
		return;
	}
	if (x->n == x->cap) { /* doubling: n pushes cost O(n), not O(n^2), of the arena */
		x->cap = x->cap ? 2 * x->cap : 8;
		x->a = grow_to(c->mem, x->a, x->n, x->cap, sizeof(*x->a));
	}
	x->a[x->n++] = a;
	x->exact = false;
}

static char *copy(struct fctx *c, const char *s, size_t n)
{
	return arena_strndup(c->mem, s, n);
}

static struct approx one(struct fctx *c, unsigned kind, unsigned slot, const char *text, size_t len)
{
	struct approx x = none(false);

	push(c, &x, (struct fatom){ .kind = kind, .slot = slot, .classes = VG_FC_ALL, .text = copy(c, text, len) });
	return x;
}

static uint16_t possible(const struct approx *x)
{
	uint16_t m = x->any;

	for (int i = 0; i < x->n; i++)
		m |= x->a[i].classes;
	return m;
}

/* How much an approximation lets through, roughly: whole classes weigh most, then each
 * atom by how common a match is (a path below /dev is common, /etc/cron.d rare). */
static unsigned long score(const struct approx *x)
{
	unsigned long s = (unsigned long)__builtin_popcount(x->any) * 10000;

	for (int i = 0; i < x->n; i++) {
		const struct fatom *a = &x->a[i];
		unsigned depth = 0;

		switch (a->kind) {
		case VG_ATOM_EXACT: case VG_ATOM_EXE: case VG_ATOM_DADDR: s += 1; break;
		case VG_ATOM_LEAF: case VG_ATOM_COMM: case VG_ATOM_DPORT: s += 2; break;
		case VG_ATOM_PREFIX:
			for (const char *p = a->text; *p; p++)
				depth += *p == '/';
			s += depth >= 4 ? 4 : depth == 3 ? 10 : depth == 2 ? 40 : 400;
			break;
		case VG_ATOM_PARTIAL: s += 4 + 20 / (strlen(a->start) + 1); break;
		case VG_ATOM_DIR: s += 20; break;
		case VG_ATOM_COMM_START: s += 6; break;
		default: s += 50; break; /* how a name starts or ends: a few letters */
		}
	}
	return s;
}

/* The atoms of `keep`, each restricted to `mask`, into x. */
static void add_masked(struct fctx *c, struct approx *x, const struct approx *keep, uint16_t mask)
{
	for (int i = 0; i < keep->n; i++) {
		struct fatom a = keep->a[i];

		a.classes &= mask;
		if (a.classes)
			push(c, x, a);
	}
}

/* A and B: the atoms of one side restricted to what the other side allows, plus the other
 * side's atoms for the classes the first passes whole. Either choice is sound; the one
 * that lets less through wins. */
static struct approx and2(struct fctx *c, const struct approx *a, const struct approx *b)
{
	struct approx x = classes(a->any & b->any, a->exact && b->exact), y = x;

	if (x.exact)
		return x;
	x.exact = y.exact = false;
	add_masked(c, &x, a, possible(b));
	add_masked(c, &x, b, a->any);
	add_masked(c, &y, b, possible(a));
	add_masked(c, &y, a, b->any);
	return score(&y) < score(&x) ? y : x;
}

/* x = x OR y, in place: y's atoms are appended to x's (x's own array), and what now passes
 * whole is taken out of every atom. A chain of n alternatives costs O(n), where building a
 * new approximation per OR copied every atom so far. */
static void or_into(struct fctx *c, struct approx *x, const struct approx *y)
{
	uint16_t any = x->any | y->any;
	bool exact = x->exact && y->exact;

	if (any != x->any) { /* at most once per class bit: any only grows */
		int w = 0;

		for (int i = 0; i < x->n; i++)
			if ((x->a[i].classes &= (uint16_t)~any))
				x->a[w++] = x->a[i];
		x->n = w;
	}
	x->any = any;
	add_masked(c, x, y, (uint16_t)~any);
	x->exact = exact && x->n == 0;
}

/* ---- paths -------------------------------------------------------------------------------
 * The paths the kernel judges are the ones user space shows: absolute, no empty, "." or
 * ".." component. A text that such a path cannot have gives no atom (never matches). */

static bool clean_absolute(const char *s, size_t n)
{
	if (n == 0 || s[0] != '/')
		return false;
	if (n == 1)
		return true;
	for (size_t i = 0; i < n;) {
		size_t start = ++i;

		while (i < n && s[i] != '/')
			i++;
		if (i == start || (i - start == 1 && s[start] == '.') ||
		    (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
			return false;
	}
	return true;
}

static bool special_name(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

static size_t part_len(size_t n)
{
	return n < VG_FILTER_PART ? n : VG_FILTER_PART;
}

static struct approx path_equals(struct fctx *c, unsigned slot, const char *s, size_t n)
{
	if (n == 1 && s[0] == '/')
		return all(false); /* the root has no component to judge */
	if (!clean_absolute(s, n))
		return none(false);
	return one(c, VG_ATOM_EXACT, slot, s, n);
}

/* pmatch: the path or below it. */
static struct approx path_below(struct fctx *c, unsigned slot, const char *s, size_t n)
{
	while (n > 1 && s[n - 1] == '/')
		n--;
	if (n == 1 && s[0] == '/')
		return all(false);
	if (!clean_absolute(s, n))
		return none(false);
	return one(c, VG_ATOM_PREFIX, slot, s, n);
}

static struct approx path_starts(struct fctx *c, unsigned slot, const char *s, size_t n)
{
	size_t last = n;
	struct approx x;

	if (n == 0)
		return all(false);
	if (s[0] != '/')
		return none(false);
	while (last > 0 && s[last - 1] != '/')
		last--;
	/* s[0..last-1) is the directory, s[last..n) the start of the next name */
	if (last > 1 && !clean_absolute(s, last - 1))
		return none(false);
	if (last == n)
		return last == 1 ? all(false) : one(c, VG_ATOM_PREFIX, slot, s, last - 1);
	x = one(c, VG_ATOM_PARTIAL, slot, last == 1 ? "/" : s, last == 1 ? 1 : last - 1);
	x.a[0].start = copy(c, s + last, part_len(n - last));
	return x;
}

static struct approx path_ends(struct fctx *c, unsigned slot, const char *s, size_t n)
{
	const char *slash = memrchr(s, '/', n);
	size_t tail;

	if (n == 0)
		return all(false);
	if (!slash)
		return one(c, VG_ATOM_END, slot, s + n - part_len(n), part_len(n));
	tail = n - (size_t)(slash + 1 - s);
	if (tail == 0)
		return all(false); /* only "/" ends with a slash */
	if (special_name(slash + 1, tail))
		return none(false);
	return one(c, VG_ATOM_LEAF, slot, slash + 1, tail);
}

static struct approx path_contains(struct fctx *c, unsigned slot, const char *s, size_t n)
{
	const char *first = memchr(s, '/', n), *p, *best = NULL;
	size_t best_len = 0;

	if (!first)
		return all(false); /* inside one name: nothing the kernel compares */
	/* a whole component between two slashes: a directory on the path */
	for (p = first; p < s + n;) {
		const char *next = memchr(p + 1, '/', (size_t)(s + n - p - 1));
		size_t len;

		if (!next)
			break;
		len = (size_t)(next - p - 1);
		if (special_name(p + 1, len))
			return none(false); /* "//", "/./", "/../": not in a clean path */
		if (len > best_len) {
			best = p + 1;
			best_len = len;
		}
		p = next;
	}
	if (best)
		return one(c, VG_ATOM_DIR, slot, best, best_len);
	/* one slash: the name after it starts with what follows */
	if (first + 1 < s + n)
		return one(c, VG_ATOM_START, slot, first + 1, part_len((size_t)(s + n - first - 1)));
	return all(false);
}

/* glob: the literal components before the first wildcard. */
static struct approx path_glob(struct fctx *c, unsigned slot, const char *s)
{
	size_t n = strlen(s), lit = strcspn(s, "*?[\\");

	if (n == 0 || s[0] != '/')
		return n && s[0] != '*' && s[0] != '?' && s[0] != '[' && s[0] != '\\' ? none(false) : all(false);
	if (lit == n)
		return path_equals(c, slot, s, n);
	return path_starts(c, slot, s, lit);
}

/* ---- regex: what every match must contain --------------------------------------------
 * The pattern is read as alternatives of pieces; a piece is a finite set of literal
 * strings (characters, small classes, groups of literal alternatives, x? ) or unknown,
 * with, when known, the strings every match of it starts with (x+, a group whose
 * alternatives are partly literal). Adjacent literal pieces make runs: a run is a
 * substring every match contains, its start under ^, its end before $. Anything the reader
 * does not follow (options, lookaround, \Q) makes the whole pattern unknown: "true". */

#define RX_MAX_SET 1024 /* strings a set may hold while it is built */
#define RX_KEEP    64   /* strings a run gives atoms for: more are cut to common prefixes */
#define RX_MAX_LEN 512  /* bytes of one string */

struct litset {
	int n;
	char **s;
	size_t *len;
	bool over; /* more than RX_MAX_SET or longer than RX_MAX_LEN: unknown */
};

/* wild: the piece is not a finite set; lit then holds what each of its matches starts with
 * (empty set, or one holding "": nothing known). */
struct piece {
	bool wild;
	struct litset lit;
};

struct branch {
	bool bol, eol;
	int np;
	struct piece *p;
};

struct rx {
	struct fctx *c;
	const char *p, *end;
	bool fail;
};

static const struct piece unknown = { .wild = true };

static void lit_add(struct fctx *c, struct litset *l, const char *s, size_t n)
{
	char **s2;
	size_t *len2;

	if (l->over)
		return;
	for (int i = 0; i < l->n; i++)
		if (l->len[i] == n && memcmp(l->s[i], s, n) == 0)
			return;
	if (l->n == RX_MAX_SET || n > RX_MAX_LEN) {
		l->over = true;
		return;
	}
	s2 = grow(c->mem, l->s, l->n, sizeof(*s2));
	len2 = grow(c->mem, l->len, l->n, sizeof(*len2));
	s2[l->n] = copy(c, s, n);
	len2[l->n++] = n;
	l->s = s2;
	l->len = len2;
}

static struct litset lit_one(struct fctx *c, const char *s, size_t n)
{
	struct litset l = { 0 };

	lit_add(c, &l, s, n);
	return l;
}

static void lit_union(struct fctx *c, struct litset *into, const struct litset *from)
{
	into->over |= from->over;
	for (int i = 0; i < from->n && !into->over; i++)
		lit_add(c, into, from->s[i], from->len[i]);
}

static struct litset lit_product(struct fctx *c, const struct litset *a, const struct litset *b)
{
	struct litset r = { 0 };
	char buf[2 * RX_MAX_LEN];

	if (a->over || b->over || (long)a->n * b->n > RX_MAX_SET) {
		r.over = true;
		return r;
	}
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++) {
			memcpy(buf, a->s[i], a->len[i]);
			memcpy(buf + a->len[i], b->s[j], b->len[j]);
			lit_add(c, &r, buf, a->len[i] + b->len[j]);
		}
	return r;
}

static bool lit_has_empty(const struct litset *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->len[i] == 0)
			return true;
	return l->n == 0;
}

/* The set cut to the longest common length that leaves at most keep strings: each is then
 * a prefix of one before (*cut says whether any was cut). */
static struct litset lit_keep(struct fctx *c, const struct litset *l, int keep, bool *cut)
{
	size_t longest = 0;

	*cut = false;
	if (l->n <= keep)
		return *l;
	for (int i = 0; i < l->n; i++)
		longest = l->len[i] > longest ? l->len[i] : longest;
	for (size_t width = longest; width > 0; width--) {
		struct litset r = { 0 };

		for (int i = 0; i < l->n && r.n <= keep; i++)
			lit_add(c, &r, l->s[i], l->len[i] < width ? l->len[i] : width);
		if (r.n <= keep) {
			*cut = true;
			return r;
		}
	}
	*cut = true;
	return lit_one(c, "", 0);
}

static struct piece piece_lit(struct litset l)
{
	return l.over ? unknown : (struct piece){ .lit = l };
}

/* An unknown piece whose matches start with one of l (cut to RX_KEEP). */
static struct piece piece_starting(struct fctx *c, const struct litset *l)
{
	bool cut;

	if (l->over || lit_has_empty(l))
		return unknown;
	return (struct piece){ .wild = true, .lit = lit_keep(c, l, RX_KEEP, &cut) };
}

/* What every match of a piece starts with: its strings, or {""} when nothing is known. */
static struct litset piece_start(struct fctx *c, const struct piece *p)
{
	return p->wild && lit_has_empty(&p->lit) ? lit_one(c, "", 0) : p->lit;
}

static struct branch *rx_alt(struct rx *r, int *nb, bool top, int depth);

static void branch_push(struct rx *r, struct branch *b, struct piece p)
{
	struct piece *grown = grow(r->c->mem, b->p, b->np, sizeof(*grown));

	grown[b->np++] = p;
	b->p = grown;
}

static bool rx_word_char(char ch)
{
	return ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || (ch >= '0' && ch <= '9');
}

/* [...]: a set of single characters, or unknown. */
static struct piece rx_class(struct rx *r)
{
	struct litset l = { 0 };
	const char *q = r->p + 1;
	bool wild = false;

	if (q < r->end && *q == '^') {
		wild = true;
		q++;
	}
	for (bool first = true; q < r->end && (*q != ']' || first); first = false) {
		unsigned char lo, hi;

		if (*q == '[' && q + 1 < r->end && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
			/* [:alpha:], [.x.], [=x=]: skip to the closing ":]" (or ".]", "=]") */
			const char *close = q + 2;

			while (close + 1 < r->end && !(close[0] == q[1] && close[1] == ']'))
				close++;
			if (close + 1 >= r->end)
				break;
			wild = true;
			q = close + 2;
			continue;
		}
		if (*q == '\\') {
			if (q + 1 >= r->end || rx_word_char(q[1]))
				wild = true; /* \d, \w, \x.., ... */
			q++;
			if (q >= r->end)
				break;
		}
		lo = hi = (unsigned char)*q++;
		if (q + 1 < r->end && *q == '-' && q[1] != ']') {
			hi = (unsigned char)q[1];
			q += 2;
			if (hi == '\\' || hi < lo)
				wild = true;
		}
		for (unsigned ch = lo; ch <= hi && !wild; ch++) {
			char one_ch = (char)ch;

			lit_add(r->c, &l, &one_ch, 1);
		}
	}
	if (q >= r->end) {
		r->fail = true;
		return unknown;
	}
	r->p = q + 1;
	return wild ? unknown : piece_lit(l);
}

/* A quantifier after a piece: ? adds the empty string, * makes it unknown, + and {n,} with
 * n > 0 keep what its matches start with. */
static void rx_quantify(struct rx *r, struct piece *p)
{
	char ch = r->p < r->end ? *r->p : 0;
	bool at_least_one = ch == '+';

	if (ch == '{') {
		const char *q = r->p + 1;
		bool digits = false;

		at_least_one = q < r->end && *q >= '1' && *q <= '9';
		while (q < r->end && ((*q >= '0' && *q <= '9') || *q == ',')) {
			digits |= *q != ',';
			q++;
		}
		if (!digits || q >= r->end || *q != '}')
			return; /* a literal brace */
		r->p = q + 1;
	} else if (ch == '?' || ch == '*' || ch == '+') {
		r->p++;
	} else {
		return;
	}
	if (ch == '?' && !p->wild) {
		lit_add(r->c, &p->lit, "", 0);
		*p = piece_lit(p->lit);
	} else if (at_least_one) {
		*p = piece_starting(r->c, &p->lit);
	} else {
		*p = unknown;
	}
	if (r->p < r->end && (*r->p == '?' || *r->p == '+'))
		r->p++; /* lazy or possessive */
}

/* What every match of a branch starts with, and (full) all it can be when it is literal
 * through. */
static struct litset branch_start(struct fctx *c, const struct branch *b, bool *full)
{
	struct litset s = lit_one(c, "", 0);

	*full = !b->bol && !b->eol;
	for (int k = 0; k < b->np; k++) {
		struct litset start = piece_start(c, &b->p[k]);

		s = lit_product(c, &s, &start);
		if (b->p[k].wild) {
			*full = false;
			break;
		}
	}
	return s;
}

/* A group's alternatives as one piece: the union of their strings when every one is
 * literal, else unknown but starting with what each alternative starts with. */
static struct piece rx_group(struct rx *r, int depth)
{
	struct litset u = { 0 };
	bool literal = true;
	struct branch *b;
	int nb;

	if (r->p + 1 < r->end && r->p[1] == '?') {
		if (r->p + 2 >= r->end || r->p[2] != ':') {
			r->fail = true; /* options, lookaround, names: not followed */
			return unknown;
		}
		r->p += 3;
	} else {
		r->p++;
	}
	b = rx_alt(r, &nb, false, depth + 1);
	if (r->fail || r->p >= r->end || *r->p != ')') {
		r->fail = true;
		return unknown;
	}
	r->p++;
	for (int i = 0; i < nb; i++) {
		bool full;
		struct litset s = branch_start(r->c, &b[i], &full);

		literal &= full;
		lit_union(r->c, &u, &s);
	}
	return literal ? piece_lit(u) : piece_starting(r->c, &u);
}

static struct branch rx_seq(struct rx *r, bool top, int depth)
{
	struct branch b = { 0 };

	while (!r->fail && r->p < r->end && *r->p != '|' && *r->p != ')') {
		struct piece p;
		char ch = *r->p;

		if (ch == '^' && top && b.np == 0 && !b.bol) {
			b.bol = true;
			r->p++;
			continue;
		}
		if (ch == '$' && top && (r->p + 1 == r->end || r->p[1] == '|')) {
			b.eol = true;
			r->p++;
			continue;
		}
		if (ch == '(') {
			if (depth >= 16) {
				r->fail = true;
				break;
			}
			p = rx_group(r, depth);
		} else if (ch == '[') {
			p = rx_class(r);
		} else if (ch == '\\') {
			char e = r->p + 1 < r->end ? r->p[1] : 0;

			if (!e || rx_word_char(e)) {
				if (e == 'Q' || e == 'E')
					r->fail = true; /* quoting: not followed */
				p = unknown; /* \d \w \s \b ..., back references, hex */
			} else {
				p = piece_lit(lit_one(r->c, &e, 1));
			}
			r->p += e ? 2 : 1;
		} else if (ch == '.' || ch == '^' || ch == '$') {
			p = unknown; /* any character, or an assertion: unknown, maybe empty */
			r->p++;
		} else if (ch == '*' || ch == '+' || ch == '?') {
			r->fail = true; /* a quantifier with nothing before it */
			break;
		} else {
			p = piece_lit(lit_one(r->c, &ch, 1));
			r->p++;
		}
		rx_quantify(r, &p);
		branch_push(r, &b, p);
	}
	return b;
}

static struct branch *rx_alt(struct rx *r, int *nb, bool top, int depth)
{
	struct branch *b = NULL;

	*nb = 0;
	for (;;) {
		struct branch one_b = rx_seq(r, top, depth), *grown;

		grown = grow(r->c->mem, b, *nb, sizeof(*grown));
		grown[(*nb)++] = one_b;
		b = grown;
		if (r->fail || r->p >= r->end || *r->p != '|')
			return b;
		r->p++;
	}
}

enum sem { SEM_CONTAINS, SEM_STARTS, SEM_ENDS, SEM_EQUALS };

/* Every string of the set under one meaning, for a path slot: the OR of their atoms. */
static struct approx run_atoms(struct fctx *c, unsigned slot, const struct litset *l, enum sem sem)
{
	struct approx x = none(false);

	for (int i = 0; i < l->n; i++) {
		/* $ also matches before a final newline: "x$" is "ends with x or with x\n" */
		for (int nl = 0; nl < (sem >= SEM_ENDS ? 2 : 1); nl++) {
			char buf[RX_MAX_LEN + 1];
			size_t n = l->len[i];
			struct approx y;

			memcpy(buf, l->s[i], n);
			if (nl)
				buf[n++] = '\n';
			y = sem == SEM_EQUALS ? path_equals(c, slot, buf, n)
			    : sem == SEM_STARTS ? path_starts(c, slot, buf, n)
			    : sem == SEM_ENDS   ? path_ends(c, slot, buf, n)
						: path_contains(c, slot, buf, n);
			or_into(c, &x, &y);
		}
	}
	return x;
}

/* One top-level alternative: the literal run that lets the least through. A run ends at
 * an unknown piece, after taking what that piece starts with. */
static struct approx branch_atoms(struct fctx *c, unsigned slot, const struct branch *b)
{
	struct approx best = all(false);
	int k = 0;

	while (k < b->np) {
		struct litset run = lit_one(c, "", 0), kept;
		int start = k;
		bool ends, cut;
		enum sem sem;

		while (k < b->np) {
			struct litset start = piece_start(c, &b->p[k]), next = lit_product(c, &run, &start);

			if (next.over)
				break;
			run = next;
			if (b->p[k++].wild)
				break;
		}
		if (k == start) { /* a piece too large to join: skip it */
			k++;
			continue;
		}
		kept = lit_keep(c, &run, RX_KEEP, &cut);
		ends = b->eol && k == b->np && !b->p[k - 1].wild && !cut;
		sem = b->bol && start == 0 ? (ends ? SEM_EQUALS : SEM_STARTS) : ends ? SEM_ENDS : SEM_CONTAINS;
		{
			struct approx x = run_atoms(c, slot, &kept, sem);

			if (score(&x) < score(&best))
				best = x;
		}
	}
	return best;
}

static struct approx path_regex(struct fctx *c, unsigned slot, const char *pattern, size_t n)
{
	struct rx r = { c, pattern, pattern + n, false };
	struct approx x = none(false);
	struct branch *b;
	int nb;

	b = rx_alt(&r, &nb, true, 0);
	if (r.fail || r.p != r.end)
		return all(false);
	for (int i = 0; i < nb; i++) {
		struct approx y = branch_atoms(c, slot, &b[i]);

		or_into(c, &x, &y);
	}
	return x;
}

/* ---- comparisons ------------------------------------------------------------------------ */

static struct approx path_cmp(struct fctx *c, const struct node *n, unsigned slot)
{
	struct approx x = none(false);

	switch (n->op) {
	case OP_EQ:
	case OP_IN:
	case OP_PMATCH:
		for (int i = 0; i < n->n; i++) {
			struct approx y = n->op == OP_PMATCH ? path_below(c, slot, n->vals[i].str.ptr, n->vals[i].str.len)
							     : path_equals(c, slot, n->vals[i].str.ptr, n->vals[i].str.len);
			or_into(c, &x, &y);
		}
		return x;
	case OP_STARTSWITH: return path_starts(c, slot, n->vals[0].str.ptr, n->vals[0].str.len);
	case OP_ENDSWITH: return path_ends(c, slot, n->vals[0].str.ptr, n->vals[0].str.len);
	case OP_CONTAINS: return path_contains(c, slot, n->vals[0].str.ptr, n->vals[0].str.len);
	case OP_GLOB: return path_glob(c, slot, n->vals[0].str.ptr);
	case OP_REGEX: return path_regex(c, slot, n->vals[0].str.ptr, n->vals[0].str.len);
	default: return all(false);
	}
}

static struct approx comm_cmp(struct fctx *c, const struct node *n)
{
	struct approx x = none(false);

	if (n->op != OP_EQ && n->op != OP_IN && n->op != OP_STARTSWITH)
		return all(false);
	for (int i = 0; i < n->n; i++) {
		const struct vg_value *v = &n->vals[i];
		struct approx y;

		/* a process name has at most VG_FILTER_COMM bytes: a longer one never equals it */
		if (v->str.len > VG_FILTER_COMM)
			continue;
		if (n->op == OP_STARTSWITH && v->str.len == 0)
			return all(false);
		y = one(c, n->op == OP_STARTSWITH ? VG_ATOM_COMM_START : VG_ATOM_COMM, 0, v->str.ptr, v->str.len);
		or_into(c, &x, &y);
	}
	return x;
}

/* evt.ret against constants: which of success (ret >= 0) and failure it allows. */
static struct approx ret_cmp(const struct node *n)
{
	uint16_t fail = classes_with(VG_FC_FAIL), ok = (uint16_t)~fail;
	int64_t k = n->n ? n->vals[0].i : 0;
	bool any_ok = false, any_fail = false;

	switch (n->op) {
	case OP_EQ:
	case OP_IN:
		for (int i = 0; i < n->n; i++) {
			any_ok |= n->vals[i].i >= 0;
			any_fail |= n->vals[i].i < 0;
		}
		return classes((any_ok ? ok : 0) | (any_fail ? fail : 0), false);
	case OP_GE: return k >= 0 ? classes(ok, k == 0) : all(false);
	case OP_GT: return k >= -1 ? classes(ok, k == -1) : all(false);
	case OP_LT: return k <= 0 ? classes(fail, k == 0) : all(false);
	case OP_LE: return k <= -1 ? classes(fail, k == -1) : all(false);
	default: return all(false);
	}
}

/* file.flag_names: whether the open writes. Its names hold "WR" exactly for O_WRONLY and
 * O_RDWR; a read-only open's list starts with O_RDONLY. */
static struct approx flags_cmp(const struct node *n)
{
	uint16_t write = classes_with(VG_FC_WRITE);
	const char *s = n->vals[0].str.ptr;

	if (n->op == OP_CONTAINS && strcmp(s, "WR") == 0)
		return classes(write, true);
	if ((n->op == OP_CONTAINS || n->op == OP_STARTSWITH) &&
	    (!strcmp(s, "O_WRONLY") || !strcmp(s, "O_RDWR") || !strcmp(s, "WRONLY") || !strcmp(s, "RDWR")))
		return classes(write, false);
	if (n->op == OP_STARTSWITH && strcmp(s, "O_RDONLY") == 0)
		return classes((uint16_t)~write, false);
	return all(false);
}

/* file.call = NAME or in (NAMES): a CALL atom per way of opening. A name no open has
 * cannot match (none of its atoms). */
static struct approx call_cmp(struct fctx *c, const struct node *n)
{
	static const char *const calls[] = {
#define VG_FILTER_CALL_NAME(NAME, name) [VG_CALL_##NAME] = name,
		VG_OPEN_CALLS(VG_FILTER_CALL_NAME)
#undef VG_FILTER_CALL_NAME
	};
	struct approx x = none(false);

	if (n->op != OP_EQ && n->op != OP_IN)
		return all(false);
	for (int i = 0; i < n->n; i++)
		for (unsigned k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
			if (!strcmp(n->vals[i].str.ptr, calls[k]))
				push(c, &x, (struct fatom){ .kind = VG_ATOM_CALL, .classes = VG_FC_ALL, .number = k,
							    .text = (char *)calls[k] });
	return x;
}

static bool is_field(const struct operand *o, const char *name)
{
	if (o->kind == OPD_EVT)
		return strcmp(o->ef->name, name) == 0;
	return o->kind == OPD_HDR && o->anc == 0 && o->hf->rel == 0 && strcmp(o->hf->name, name) == 0;
}

/* file.path = $step.proc.exe, where that step matches only successful execs: an EXE atom. */
static struct approx capture_cmp(struct fctx *c, const struct node *n, unsigned slot)
{
	const struct slot *cap;
	const struct step *st;
	struct fctx sub = *c;
	struct approx x, of_step;

	if (n->op != OP_EQ || n->rhs.kind != OPD_CAPTURE || !(c->facts & VG_FD_EXE) || !c->rule ||
	    n->rhs.slot < 0 || n->rhs.slot >= c->rule->nslots)
		return all(false);
	cap = &c->rule->slots[n->rhs.slot];
	st = &c->rule->steps[cap->step];
	if (st->types != 1ull << VG_EV_EXEC || !(is_field(&cap->opd, "proc.exe") || is_field(&cap->opd, "proc.exepath")))
		return all(false);
	sub.type = VG_EV_EXEC;
	sub.facts = facts_of(VG_EV_EXEC);
	of_step = approx_of(&sub, st->cond);
	if (possible(&of_step) & classes_with(VG_FC_FAIL) & reachable(sub.facts))
		return all(false); /* a failed exec's proc.exe is the old image: not remembered */
	if (c->rule->window_ns > c->exe_window_ns)
		c->exe_window_ns = c->rule->window_ns;
	x = none(false);
	push(c, &x, (struct fatom){ .kind = VG_ATOM_EXE, .slot = slot, .classes = VG_FC_ALL, .text = "" });
	return x;
}

static struct approx cmp(struct fctx *c, const struct node *n)
{
	const struct operand *l = &n->lhs;
	unsigned f = c->facts;
	int slot = is_field(l, "file.path") && (f & VG_FD_PATH)	      ? VG_SLOT_PATH
		   : is_field(l, "file.newpath") && (f & VG_FD_NEWPATH) ? VG_SLOT_NEWPATH
								       : -1;

	/* a filtered type has file.path and file.newpath exactly when it judges them: the other
	 * one is absent, and every test on an absent field is false */
	if (slot < 0 && (is_field(l, "file.path") || is_field(l, "file.newpath")) && vg_filter_type_supported(c->type))
		return none(true);
	if (n->rhs_is_operand)
		return slot >= 0 ? capture_cmp(c, n, (unsigned)slot) : all(false);
	if (n->op == OP_EXISTS || n->op == OP_NE || n->op == OP_ICONTAINS) {
		if (l->kind == OPD_EVT && strncmp(l->ef->name, "file.sock.", 10) == 0 && (f & VG_FD_SOCK))
			return classes(classes_with(VG_FC_SOCK), false);
		return all(false);
	}
	if (slot >= 0)
		return path_cmp(c, n, (unsigned)slot);
	if (is_field(l, "proc.name") && (f & VG_FD_COMM))
		return comm_cmp(c, n);
	if (is_field(l, "evt.ret") && (f & VG_FD_FAIL))
		return ret_cmp(n);
	if (is_field(l, "file.flag_names") && (f & VG_FD_WRITE))
		return flags_cmp(n);
	if (is_field(l, "file.call") && (f & VG_FD_CALL))
		return call_cmp(c, n);
	if (is_field(l, "evt.at_agent") && (f & VG_FD_AGENT) && n->op == OP_EQ && n->vals[0].b) {
		struct approx x = none(false);

		push(c, &x, (struct fatom){ .kind = VG_ATOM_AGENT, .classes = VG_FC_ALL, .text = "" });
		return x;
	}
	if ((is_field(l, "file.setuid") || is_field(l, "file.setgid")) && (f & VG_FD_SETID) && n->op == OP_EQ &&
	    n->vals[0].b)
		return classes(classes_with(VG_FC_SETID), false);
	if (l->kind == OPD_EVT && strncmp(l->ef->name, "file.sock.", 10) == 0 && (f & VG_FD_SOCK))
		return classes(classes_with(VG_FC_SOCK), false);
	if (is_field(l, "net.dport") && (f & VG_FD_DPORT) && (n->op == OP_EQ || n->op == OP_IN)) {
		struct approx x = none(false);

		for (int i = 0; i < n->n; i++)
			if (n->vals[i].i >= 0 && n->vals[i].i <= 65535)
				push(c, &x, (struct fatom){ .kind = VG_ATOM_DPORT, .classes = VG_FC_ALL,
							    .number = (uint32_t)n->vals[i].i, .text = "" });
		return x;
	}
	if (is_field(l, "net.dip") && (f & VG_FD_DADDR) && (n->op == OP_EQ || n->op == OP_IN)) {
		struct approx x = none(false);

		for (int i = 0; i < n->n; i++) {
			const struct vg_ip *ip = &n->vals[i].ip;
			unsigned bits = n->prefix ? n->prefix[i] : (ip->family == 4 ? 32 : 128);

			if (bits == 0)
				return all(false);
			push(c, &x, (struct fatom){ .kind = VG_ATOM_DADDR, .classes = VG_FC_ALL, .ip = *ip,
						    .bits = bits, .text = "" });
		}
		return x;
	}
	return all(false);
}

static struct approx approx_of(struct fctx *c, const struct node *n)
{
	struct approx x, y;

	switch (n->kind) {
	case NK_TYPES:
		return (n->types >> c->type) & 1 ? all(true) : none(true);
	case NK_CONST:
		return n->truth ? all(true) : none(true);
	case NK_CMP:
		return cmp(c, n);
	case NK_NOT:
		x = approx_of(c, n->kids[0]);
		return x.exact ? classes((uint16_t)~x.any, true) : all(false);
	case NK_AND:
	case NK_OR:
		x = approx_of(c, n->kids[0]);
		for (int i = 1; i < n->n; i++) {
			/* false decides an AND and true an OR: the rest cannot change it */
			if (n->kind == NK_AND && !x.any && !x.n)
				return x;
			if (n->kind == NK_OR && x.any == VG_FC_ALL)
				return x;
			y = approx_of(c, n->kids[i]);
			if (n->kind == NK_AND)
				x = and2(c, &x, &y);
			else
				or_into(c, &x, &y);
		}
		return x;
	}
	return all(false);
}

/* ---- the result ---------------------------------------------------------------------------- */

static int atom_order(const void *pa, const void *pb)
{
	const struct vg_filter_atom *a = pa, *b = pb;
	int d;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->slot != b->slot)
		return a->slot < b->slot ? -1 : 1;
	if ((d = strcmp(a->text, b->text)))
		return d;
	if ((d = strcmp(a->start ? a->start : "", b->start ? b->start : "")))
		return d;
	if (a->number != b->number)
		return a->number < b->number ? -1 : 1;
	if (a->bits != b->bits)
		return a->bits < b->bits ? -1 : 1;
	return memcmp(&a->ip, &b->ip, sizeof(a->ip));
}

static void keep(struct vg_kernel_filter *f, unsigned type, const struct fatom *a)
{
	struct vg_filter_atom *o;

	if (f->natoms == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->atoms = realloc(f->atoms, f->cap * sizeof(*f->atoms));
		if (!f->atoms)
			abort();
	}
	o = &f->atoms[f->natoms++];
	memset(o, 0, sizeof(*o));
	o->type = type;
	o->kind = a->kind;
	o->slot = a->slot;
	o->classes = a->classes;
	o->text = xstrdup(a->text);
	o->start = a->start ? xstrdup(a->start) : NULL;
	o->number = a->number;
	o->ip = a->ip;
	o->bits = a->bits;
	if (o->kind == VG_ATOM_DADDR) { /* compare the prefix only */
		for (unsigned b = o->bits; b < 128; b++)
			o->ip.addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	}
}

/* One type: every rule (every step of a sequence) that can match it, joined. */
static void derive_type(const struct vg_ruleset *rs, struct vg_kernel_filter *f, unsigned type, struct arena *mem)
{
	struct fctx c = { .mem = mem, .type = type, .facts = facts_of(type) };
	uint16_t reach = reachable(c.facts);
	struct approx x = none(true);
	int first = f->natoms;

	for (int r = 0; r < rs->nrules; r++) {
		const struct rule *rule = &rs->rules[r];
		struct approx y;

		if (!rule->enabled || rule->action == VG_ACTION_DENY || !((rule->types >> type) & 1))
			continue;
		c.rule = rule;
		if (rule->kind == RK_SEQ) {
			y = none(true);
			for (int s = 0; s < rule->nsteps; s++) {
				struct approx z;

				if (!((rule->steps[s].types >> type) & 1) || !rule->steps[s].cond)
					continue;
				z = approx_of(&c, rule->steps[s].cond);
				or_into(&c, &y, &z);
			}
		} else {
			if (!rule->cond)
				continue;
			y = approx_of(&c, rule->cond);
		}
		if ((y.any & reach) == reach && !f->why[type])
			f->why[type] = rule->name;
		or_into(&c, &x, &y);
	}
	f->any[type] = x.any & reach;
	f->on[type] = f->any[type] != reach;
	if (!f->on[type])
		return;
	for (int i = 0; i < x.n; i++) {
		struct fatom a = x.a[i];

		a.classes &= reach & ~f->any[type];
		if (a.classes)
			keep(f, type, &a);
	}
	if (f->natoms > first) { /* merge duplicates: one atom per value, its classes joined */
		int w = first;

		qsort(f->atoms + first, f->natoms - first, sizeof(*f->atoms), atom_order);
		for (int i = first; i < f->natoms; i++) {
			if (w > first && atom_order(&f->atoms[w - 1], &f->atoms[i]) == 0) {
				f->atoms[w - 1].classes |= f->atoms[i].classes;
				free(f->atoms[i].text);
				free(f->atoms[i].start);
				continue;
			}
			f->atoms[w++] = f->atoms[i];
		}
		f->natoms = w;
	}
	if (c.exe_window_ns > f->exe_window_ns)
		f->exe_window_ns = c.exe_window_ns;
}

void vg_rules_kernel_filter(const struct vg_ruleset *rs, struct vg_kernel_filter *f)
{
	struct arena mem = { 0 };

	memset(f, 0, sizeof(*f));
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		if (!vg_filter_type_supported(t))
			continue; /* on[t] stays false: every event passes */
		if (rs)
			derive_type(rs, f, t, &mem);
		else
			f->on[t] = true; /* no rules: nothing to match */
	}
	arena_free(&mem);
}

void vg_kernel_filter_free(struct vg_kernel_filter *f)
{
	for (int i = 0; i < f->natoms; i++) {
		free(f->atoms[i].text);
		free(f->atoms[i].start);
	}
	free(f->atoms);
	memset(f, 0, sizeof(*f));
}

static const char *const atom_names[] = {
#define VG_ATOM_NAME(e, desc) desc,
	VG_ATOM_KINDS(VG_ATOM_NAME)
#undef VG_ATOM_NAME
};

/* A set of classes in words: the one-fact terms ("write", "failed") that cover it, joined
 * by "or" (every class of the type: "any"). */
static void classes_text(FILE *out, uint16_t m, unsigned facts)
{
	static const struct { unsigned bit; const char *yes, *no; } dims[] = {
		{ VG_FC_FAIL, "failed", "succeeded" }, { VG_FC_WRITE, "write", "read" },
		{ VG_FC_SETID, "set-id", "not set-id" }, { VG_FC_SOCK, "socket stdio", "no socket stdio" },
	};
	uint16_t reach = reachable(facts), covered = 0;
	bool first = true;

	m &= reach;
	if (m == reach) {
		fputs("any", out);
		return;
	}
	for (unsigned d = 0; d < sizeof(dims) / sizeof(dims[0]); d++)
		for (int yes = 1; yes >= 0; yes--) {
			uint16_t term = (yes ? classes_with(dims[d].bit) : (uint16_t)~classes_with(dims[d].bit)) & reach;

			if (!(facts & dims[d].bit) || (term & ~m) || !(term & ~covered))
				continue;
			fprintf(out, "%s%s", first ? "" : " or ", yes ? dims[d].yes : dims[d].no);
			covered |= term;
			first = false;
		}
	for (unsigned cl = 0; cl < VG_FC_COUNT; cl++) /* what no one fact covers, class by class */
		if ((m & ~covered) >> cl & 1) {
			fprintf(out, "%s", first ? "" : " or ");
			first = false;
			for (unsigned d = 0, k = 0; d < sizeof(dims) / sizeof(dims[0]); d++)
				if (facts & dims[d].bit)
					fprintf(out, "%s%s", k++ ? "+" : "", cl & dims[d].bit ? dims[d].yes : dims[d].no);
		}
}

/* " `value`" of an atom; nothing for the kinds that are a fact without a value. */
static void atom_value_text(FILE *out, const struct vg_filter_atom *a)
{
	if (a->kind == VG_ATOM_EXE || a->kind == VG_ATOM_AGENT)
		return;
	fputs(" `", out);
	if (a->kind == VG_ATOM_DPORT)
		fprintf(out, "%u", a->number);
	else if (a->kind == VG_ATOM_DADDR)
		fprintf(out, "%s/%u", "addr", a->bits);
	else if (a->kind == VG_ATOM_PARTIAL)
		fprintf(out, "%s/%s", strcmp(a->text, "/") ? a->text : "", a->start);
	else
		for (const char *p = a->text; *p; p++)
			fprintf(out, *p == '\n' ? "\\n" : *p == '|' ? "\\|" : "%c", *p);
	fputc('`', out);
}

void vg_kernel_filter_markdown(const struct vg_kernel_filter *f, int limit, FILE *out)
{
	fputs("| event | in the kernel | passes |\n|---|---|---|\n", out);
	for (unsigned t = 0; t < VG_EV__COUNT; t++) {
		int n = 0;

		if (!vg_filter_type_supported(t))
			continue;
		fprintf(out, "| %s | ", vg_event_name(t));
		if (!f->on[t]) {
			fprintf(out, "every event (rule '%s' can match any) | |\n", f->why[t] ? f->why[t] : "?");
			continue;
		}
		for (int i = 0; i < f->natoms; i++)
			n += f->atoms[i].type == t;
		fprintf(out, "filtered, %d atoms | ", n);
		if (f->any[t]) {
			fputs("every ", out);
			classes_text(out, f->any[t], facts_of(t));
			fputs(" event; ", out);
		}
		for (int i = 0, shown = 0; i < f->natoms; i++) {
			const struct vg_filter_atom *a = &f->atoms[i];

			if (a->type != t)
				continue;
			if (shown++ == limit) {
				fprintf(out, "… (%d more)", n - limit);
				break;
			}
			fprintf(out, "%s%s%s", shown > 1 ? "; " : "", a->slot == VG_SLOT_NEWPATH ? "new " : "",
				atom_names[a->kind]);
			atom_value_text(out, a);
			if ((a->classes & reachable(facts_of(t))) != (reachable(facts_of(t)) & ~f->any[t])) {
				fputs(" (", out);
				classes_text(out, a->classes, facts_of(t));
				fputc(')', out);
			}
		}
		fputs(" |\n", out);
	}
}

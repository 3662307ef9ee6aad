/* eval.c — runs a typed condition tree against one event. Field values are fetched
 * lazily (ancestors are looked up once per event, on first use) and compared with
 * constants prepared at compile time: numbers parsed, IPs parsed with their prefix,
 * regexes compiled (JIT where available), large `in` lists hashed.
 *
 * What one event can cost is bounded: the tree's cost (node_finish) times the work of one
 * comparison, which is linear in the field's bytes for every operator (icontains and glob
 * included; glob is O(pattern x subject), never exponential like a backtracking fnmatch)
 * except regex, which PCRE2 stops at VG_REGEX_MATCH_LIMIT (linear in the subject too). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "rules/internal.h"


/* Three-valued results: UNKNOWN is a regex that hit its limit (see eval_node). */
enum { NO, YES, UNKNOWN };

pcre2_match_context *regex_match_context(void)
{
	pcre2_match_context *m = pcre2_match_context_create(NULL);

	if (m) {
		pcre2_set_match_limit(m, VG_REGEX_MATCH_LIMIT(0)); /* set per subject in regex_match */
		pcre2_set_depth_limit(m, VG_REGEX_DEPTH_LIMIT);
		pcre2_set_heap_limit(m, VG_REGEX_HEAP_KIB);
	}
	return m;
}

void ectx_init(struct ectx *c, struct vg_ruleset *rs, const struct vg_event *ev,
	       struct vg_proctable *pt)
{
	c->rs = rs;
	c->ev = ev;
	c->pt = pt;
	c->anc[0] = ev->proc;
	c->nanc = -1;
	c->caps = NULL;
	c->caps_set = NULL;
	c->limited = false;
	c->epoch = ++rs->epoch;
	c->paths[0].p = c->paths[1].p = NULL;
	c->next_path = 0;
}

int ectx_ancestors(struct ectx *c)
{
	if (c->nanc < 0)
		c->nanc = c->pt && c->ev->proc ?
			vg_proctable_ancestors(c->pt, c->ev->proc, &c->anc[1], VG_ANCESTORS) : 0;
	return c->nanc;
}

const struct vg_proc *ectx_proc(struct ectx *c, int rel)
{
	if (rel == 0)
		return c->ev->proc;
	return rel <= ectx_ancestors(c) ? c->anc[rel] : NULL;
}

bool operand_get(struct ectx *c, const struct operand *o, int i, struct vg_value *out)
{
	const struct vg_value *v;
	const struct vg_proc *p;

	if (i > 0 && !(o->kind == OPD_HDR && o->anc == ANC_ANY))
		return false;
	switch (o->kind) {
	case OPD_HDR:
		p = ectx_proc(c, o->anc == ANC_ANY ? i + 1 : o->anc);
		return p && o->hf->get(c, p, out);
	case OPD_EVT:
		v = vg_event_get(c->ev, o->ef);
		if (!v)
			return false;
		*out = *v;
		return true;
	case OPD_CAPTURE:
		if (!c->caps || !c->caps_set[o->slot])
			return false;
		*out = c->caps[o->slot];
		return true;
	}
	return false;
}

/* ---- string sets for `in` and `pmatch` with many members ----
 * Open addressing, at most half full. A value already present is not inserted again (a list
 * of lists can repeat one value 100,000 times, which would make one probe chain), and the
 * hash is seeded per ruleset so that a rules file cannot be built to collide. */
struct strset {
	size_t mask;
	size_t maxlen;     /* of the longest member */
	uint64_t lens;     /* bit L: a member is L bytes long (bit 63: 63 or more) */
	uint64_t seed;
	struct {
		const char *p;
		size_t len;
	} *slot;
};

#define HASH_START(seed) (1469598103934665603ull ^ (seed))
#define HASH_STEP(h, byte) (((h) ^ (unsigned char)(byte)) * 1099511628211ull)
#define HASH_END(h) ((h) ^ ((h) >> 29))

static uint64_t hash(uint64_t seed, const char *p, size_t len)
{
	uint64_t h = HASH_START(seed);

	for (size_t i = 0; i < len; i++)
		h = HASH_STEP(h, p[i]);
	return HASH_END(h);
}

/* The slot holding p (of hash h), or the empty one where it would go. */
static size_t strset_probe(const struct strset *s, uint64_t h, const char *p, size_t len)
{
	h &= s->mask;
	while (s->slot[h].p && !(s->slot[h].len == len && memcmp(s->slot[h].p, p, len) == 0))
		h = (h + 1) & s->mask;
	return h;
}

struct strset *strset_new(struct vg_ruleset *rs, const struct vg_value *vals, int n)
{
	struct strset *s = arena_alloc(&rs->arena, sizeof(*s));
	size_t cap = 16;

	while (cap < (size_t)n * 2)
		cap *= 2;
	s->mask = cap - 1;
	if (!rs->hash_seed && getrandom(&rs->hash_seed, sizeof(rs->hash_seed), GRND_NONBLOCK) != sizeof(rs->hash_seed))
		rs->hash_seed = (uint64_t)(uintptr_t)rs ^ (uint64_t)time(NULL);
	s->seed = rs->hash_seed;
	s->slot = arena_alloc(&rs->arena, cap * sizeof(*s->slot));
	for (int i = 0; i < n; i++) {
		size_t len = vals[i].str.len, h = strset_probe(s, hash(s->seed, vals[i].str.ptr, len), vals[i].str.ptr, len);

		s->slot[h].p = vals[i].str.ptr;
		s->slot[h].len = len;
		s->lens |= 1ull << (len < 63 ? len : 63);
		if (len > s->maxlen)
			s->maxlen = len;
	}
	return s;
}

static bool strset_has(const struct strset *s, const char *p, size_t len)
{
	return s->slot[strset_probe(s, hash(s->seed, p, len), p, len)].p != NULL;
}

/* pmatch over a set: a member k matches p when p starts with k and k is the whole of p, or
 * is followed in p by '/', or ends with '/' itself. So the prefixes of p worth looking up
 * end where p does, before a '/' or after one. */
static bool path_boundary(const char *p, size_t len, size_t i)
{
	return i == len || p[i] == '/' || (i && p[i - 1] == '/');
}

static bool strset_member_at(const struct strset *s, const char *p, size_t i, uint64_t h)
{
	return ((s->lens >> (i < 63 ? i : 63)) & 1) && s->slot[strset_probe(s, h, p, i)].p;
}

/* The boundary prefixes of p hashed (with the ruleset's seed, as every set is) in one pass,
 * kept in c for the rest of the event: a path is tested against many sets. NULL when p has
 * more than VG_PATH_PREFIXES of them. */
static const struct path_prefixes *path_prefixes(struct ectx *c, const char *p, size_t len)
{
	struct path_prefixes *pp;
	uint64_t h = HASH_START(c->rs->hash_seed);

	for (int i = 0; i < 2; i++)
		if (c->paths[i].p == p && c->paths[i].len == len)
			return c->paths[i].n >= 0 ? &c->paths[i] : NULL;
	pp = &c->paths[c->next_path];
	c->next_path ^= 1;
	pp->p = p;
	pp->len = len;
	pp->n = 0;
	for (size_t i = 0;; i++) {
		if (path_boundary(p, len, i)) {
			if (pp->n == VG_PATH_PREFIXES) {
				pp->n = -1;
				return NULL;
			}
			pp->at[pp->n] = (uint32_t)i;
			pp->hash[pp->n++] = HASH_END(h);
		}
		if (i == len)
			return pp;
		h = HASH_STEP(h, p[i]);
	}
}

/* cached: p is an event's or a process's string, the same memory for the whole event. */
static bool strset_has_path_prefix(struct ectx *c, const struct strset *s, const char *p, size_t len, bool cached)
{
	const struct path_prefixes *pp = cached ? path_prefixes(c, p, len) : NULL;
	uint64_t h = HASH_START(s->seed);

	for (int k = 0; pp && k < pp->n && pp->at[k] <= s->maxlen; k++)
		if (strset_member_at(s, p, pp->at[k], pp->hash[k]))
			return true;
	for (size_t i = 0; !pp && i <= len && i <= s->maxlen; i++) {
		if (path_boundary(p, len, i) && strset_member_at(s, p, i, HASH_END(h)))
			return true;
		if (i < len)
			h = HASH_STEP(h, p[i]);
	}
	return false;
}

/* ---- comparisons ---- */
/* The subject lowercased once into scratch, then searched like contains: linear. */
static bool icontains(struct ectx *c, const char *p, size_t len, const char *lower, size_t klen)
{
	struct vg_buf *b = &c->rs->lower;

	if (klen > len)
		return false;
	vg_buf_reset(b);
	for (size_t i = 0; i < len; i++)
		vg_buf_putc(b, (char)tolower((unsigned char)p[i]));
	return memmem(b->p, b->len, lower, klen) != NULL;
}

/* ---- glob: fnmatch(3) without flags, in O(pattern x subject) ----
 * '*' matches any run (slashes included), '?' one byte, [...] a set ([!...] or [^...]
 * negated, a-z ranges, [:alpha:] classes), '\' quotes the next byte; a '[' that does not
 * close is literal. On a mismatch the match resumes one byte further from the last '*',
 * which is all a pattern of single-byte elements ever needs: no exponential backtracking. */
static const struct {
	const char *name;
	int (*is)(int);
} classes[] = {
	{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank }, { "cntrl", iscntrl },
	{ "digit", isdigit }, { "graph", isgraph }, { "lower", islower }, { "print", isprint },
	{ "punct", ispunct }, { "space", isspace }, { "upper", isupper }, { "xdigit", isxdigit },
};

/* "[:name:]" at p: its class, with *end past it; NULL when p holds none. Only the few
 * bytes a class name can take are looked at, so a pattern of "[:" costs linear time. */
static int (*class_at(const char *p, const char **end))(int)
{
	const char *close = NULL;

	for (int i = 2; p[0] == '[' && p[1] == ':' && i < 10 && p[i] && !close; i++)
		close = p[i] == ':' && p[i + 1] == ']' ? p + i : NULL;

	for (size_t i = 0; close && i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i].name) == (size_t)(close - p - 2) &&
		    memcmp(classes[i].name, p + 2, close - p - 2) == 0) {
			*end = close + 2;
			return classes[i].is;
		}
	return NULL;
}

/* The set at pat ('['): -1 when it does not close, else whether ch is in it; *end is then
 * past the ']'. */
static int glob_set(const char *pat, unsigned char ch, const char **end)
{
	const char *p = pat + 1;
	bool neg = *p == '!' || *p == '^', in = false;

	p += neg;
	for (const char *first = p; *p && (*p != ']' || p == first);) {
		int (*is)(int) = class_at(p, &p);
		unsigned char lo, hi;

		if (is) {
			in |= is(ch) != 0;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		lo = hi = (unsigned char)*p++;
		if (p[0] == '-' && p[1] && p[1] != ']') {
			p += 1 + (p[1] == '\\' && p[2]);
			hi = (unsigned char)*p++;
		}
		in |= lo <= ch && ch <= hi;
	}
	if (*p != ']')
		return -1;
	*end = p + 1;
	return in != neg;
}

/* Whether the element at *pat matches ch; *pat moves past it on a match. */
static bool glob_one(const char **pat, unsigned char ch)
{
	const char *p = *pat, *end;
	int set;

	if (*p == '?') {
		*pat = p + 1;
		return true;
	}
	if (*p == '[' && (set = glob_set(p, ch, &end)) >= 0) {
		if (set)
			*pat = end;
		return set;
	}
	if (*p == '\\' && p[1])
		p++;
	if ((unsigned char)*p != ch)
		return false;
	*pat = p + 1;
	return true;
}

bool glob_match(const char *pat, const char *s, size_t len)
{
	const char *p = pat, *star = NULL;
	size_t i = 0, resume = 0;

	while (i < len) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star = p;
			resume = i;
		} else if (*p && glob_one(&p, (unsigned char)s[i])) {
			i++;
		} else if (star) {
			p = star;
			i = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == 0;
}

/* NO, YES, or UNKNOWN for a regex that hit a limit. A subject without the literal an
 * anchored pattern starts with is a miss without calling PCRE2 (which would fail at its
 * first byte); JIT code is called directly (pcre2_match would only add its checks). */
static int regex_match(struct ectx *c, const struct node *n, const char *p, size_t len)
{
	const struct vg_value *pat = &n->vals[0];
	int rc;

	if (n->re_prefix && (len < n->re_prefix || memcmp(p, pat->str.ptr + 1, n->re_prefix) != 0))
		return NO;
	pcre2_set_match_limit(c->rs->mctx, VG_REGEX_MATCH_LIMIT(len));
	if (n->re_jit)
		rc = pcre2_jit_match(n->re, (PCRE2_SPTR)p, len, 0, 0, c->rs->md, c->rs->mctx);
	else
		rc = pcre2_match(n->re, (PCRE2_SPTR)p, len, 0, 0, c->rs->md, c->rs->mctx);

	if (rc >= 0)
		return YES;
	return rc == PCRE2_ERROR_NOMATCH ? NO : UNKNOWN; /* match, depth, heap or JIT stack limit */
}

static int str_match(struct ectx *c, const struct node *n, enum op op, const char *p, size_t len,
		     const struct vg_value *k, int nk)
{
	switch (op) {
	case OP_EQ:
	case OP_IN:
		if (n->set)
			return strset_has(n->set, p, len);
		for (int i = 0; i < nk; i++)
			if (k[i].str.len == len && memcmp(k[i].str.ptr, p, len) == 0)
				return true;
		return false;
	case OP_CONTAINS:
		return memmem(p, len, k->str.ptr, k->str.len) != NULL;
	case OP_ICONTAINS:
		return icontains(c, p, len, k->str.ptr, k->str.len);
	case OP_STARTSWITH:
		return len >= k->str.len && memcmp(p, k->str.ptr, k->str.len) == 0;
	case OP_ENDSWITH:
		return len >= k->str.len && memcmp(p + len - k->str.len, k->str.ptr, k->str.len) == 0;
	case OP_GLOB:
		return glob_match(k->str.ptr, p, len);
	case OP_PMATCH: /* the path is one of them or below one */
		if (n->set)
			return strset_has_path_prefix(c, n->set, p, len,
						      n->lhs.type == VG_V_STR && n->lhs.kind != OPD_CAPTURE);
		for (int i = 0; i < nk; i++) {
			size_t kl = k[i].str.len;

			if (len >= kl && memcmp(p, k[i].str.ptr, kl) == 0 &&
			    (len == kl || p[kl] == '/' || (kl && k[i].str.ptr[kl - 1] == '/')))
				return true;
		}
		return false;
	case OP_REGEX:
		return regex_match(c, n, p, len);
	default:
		return false;
	}
}

static bool ip_match(const struct vg_ip *a, const struct vg_value *k, const uint8_t *prefix, int nk)
{
	for (int i = 0; i < nk; i++) {
		unsigned bits = prefix ? prefix[i] : (k[i].ip.family == 4 ? 32 : 128);
		unsigned bytes = bits / 8, rest = bits % 8;

		if (a->family != k[i].ip.family || memcmp(a->addr, k[i].ip.addr, bytes) != 0)
			continue;
		if (rest && ((a->addr[bytes] ^ k[i].ip.addr[bytes]) & (0xff00 >> rest)))
			continue;
		return true;
	}
	return false;
}

static bool int_match(enum op op, int64_t v, const struct vg_value *k, int nk)
{
	switch (op) {
	case OP_EQ:
	case OP_IN:
		for (int i = 0; i < nk; i++)
			if (k[i].i == v)
				return true;
		return false;
	case OP_LT: return v < k->i;
	case OP_LE: return v <= k->i;
	case OP_GT: return v > k->i;
	case OP_GE: return v >= k->i;
	default: return false;
	}
}

static int value_match(struct ectx *c, const struct node *n, enum op op, const struct vg_value *v,
		       const struct vg_value *k, int nk, const uint8_t *prefix)
{
	int res = NO, m;

	switch (v->type) {
	case VG_V_STR:
		return str_match(c, n, op, v->str.ptr, v->str.len, k, nk);
	case VG_V_LIST:
		for (size_t i = 0; i < v->str.len;) {
			const char *e = v->str.ptr + i;
			const char *z = memchr(e, 0, v->str.len - i);
			size_t len = z ? (size_t)(z - e) : v->str.len - i;

			if ((m = str_match(c, n, op, e, len, k, nk)) == YES)
				return YES;
			res = m == UNKNOWN ? UNKNOWN : res;
			i += len + 1;
		}
		return res;
	case VG_V_INT:
		return int_match(op, v->i, k, nk);
	case VG_V_BOOL:
		for (int i = 0; i < nk; i++)
			if (k[i].b == v->b)
				return true;
		return false;
	case VG_V_IP:
		return ip_match(&v->ip, k, prefix, nk);
	}
	return false;
}

/* Multi-valued operands (any ancestor, list elements) match when any value does; `!=`
 * holds when a value exists and none equals. An absent field makes every test false. */
__attribute__((noinline)) /* keeps eval_fresh's frame small for the and/or walk */
static int eval_cmp(struct ectx *c, const struct node *n)
{
	const struct vg_value *k = n->vals;
	const uint8_t *prefix = n->prefix;
	struct vg_value v, rk;
	int nk = n->n, res = NO, m;
	enum op op = n->op == OP_NE ? OP_EQ : n->op;
	bool seen = false;

	if (n->rhs_is_operand) {
		if (!operand_get(c, &n->rhs, 0, &rk))
			return NO;
		k = &rk;
		nk = 1;
		prefix = NULL;
	}
	/* only an any-ancestor operand has more than one value */
	for (int i = 0; (i == 0 || n->lhs.anc == ANC_ANY) && operand_get(c, &n->lhs, i, &v); i++) {
		if (n->op == OP_EXISTS)
			return YES;
		seen = true;
		if ((m = value_match(c, n, op, &v, k, nk, prefix)) == YES)
			return n->op != OP_NE ? YES : NO;
		res = m == UNKNOWN ? UNKNOWN : res; /* only regex is UNKNOWN, and never under != */
	}
	return n->op == OP_NE ? (seen ? YES : NO) : res;
}

static int eval3(struct ectx *c, const struct node *n);

static int eval_fresh(struct ectx *c, const struct node *n)
{
	int res, v;

	switch (n->kind) {
	case NK_AND:
	case NK_OR: /* false decides an AND, true an OR; unknown only when nothing decides */
		res = n->kind == NK_AND ? YES : NO;
		for (int i = 0; i < n->n; i++) {
			v = eval3(c, n->kids[i]);
			if (v == UNKNOWN)
				res = UNKNOWN;
			else if (v != (n->kind == NK_AND ? YES : NO))
				return v;
		}
		return res;
	case NK_NOT:
		v = eval3(c, n->kids[0]);
		return v == UNKNOWN ? UNKNOWN : v == YES ? NO : YES;
	case NK_TYPES:
		return (n->types >> c->ev->type) & 1 ? YES : NO;
	case NK_CMP:
		return eval_cmp(c, n);
	case NK_CONST:
		return n->truth ? YES : NO;
	}
	return NO;
}

/* A shared test (share.c) is computed once per event. */
static int eval3(struct ectx *c, const struct node *n)
{
	struct memo *m;

	if (!n->memo)
		return eval_fresh(c, n);
	m = &c->rs->memo[n->memo - 1];
	if (m->epoch != c->epoch) {
		m->value = (uint8_t)eval_fresh(c, n);
		m->epoch = c->epoch;
	}
	return m->value;
}

bool eval_node(struct ectx *c, const struct node *n)
{
	int v = eval3(c, n);

	c->limited = v == UNKNOWN;
	return v != NO;
}

void value_render(struct vg_buf *b, const struct vg_value *v)
{
	char ip[INET6_ADDRSTRLEN];

	switch (v->type) {
	case VG_V_STR:
		vg_buf_put(b, v->str.ptr, v->str.len);
		break;
	case VG_V_LIST:
		for (size_t i = 0; i < v->str.len; i++)
			vg_buf_putc(b, v->str.ptr[i] ? v->str.ptr[i] : ' ');
		if (v->str.len && b->len && b->p[b->len - 1] == ' ')
			b->len--;
		break;
	case VG_V_INT:
		vg_buf_printf(b, "%lld", (long long)v->i);
		break;
	case VG_V_BOOL:
		vg_buf_puts(b, v->b ? "true" : "false");
		break;
	case VG_V_IP:
		inet_ntop(v->ip.family == 4 ? AF_INET : AF_INET6, v->ip.addr, ip, sizeof(ip));
		vg_buf_puts(b, ip);
		break;
	}
}

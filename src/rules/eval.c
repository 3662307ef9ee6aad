/* eval.c — runs a typed condition tree against one event. Field values are fetched
 * lazily (ancestors are looked up once per event, on first use) and compared with
 * constants prepared at compile time: numbers parsed, IPs parsed with their prefix,
 * regexes compiled (JIT where available), large `in` lists hashed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <string.h>
#include "rules/internal.h"

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

/* ---- string sets for `in` with many members ---- */
struct strset {
	size_t mask;
	struct {
		const char *p;
		size_t len;
	} *slot;
};

static uint64_t hash(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

struct strset *strset_new(struct arena *a, const struct vg_value *vals, int n)
{
	struct strset *s = arena_alloc(a, sizeof(*s));
	size_t cap = 16;

	while (cap < (size_t)n * 2)
		cap *= 2;
	s->mask = cap - 1;
	s->slot = arena_alloc(a, cap * sizeof(*s->slot));
	for (int i = 0; i < n; i++) {
		size_t h = hash(vals[i].str.ptr, vals[i].str.len) & s->mask;

		while (s->slot[h].p)
			h = (h + 1) & s->mask;
		s->slot[h].p = vals[i].str.ptr;
		s->slot[h].len = vals[i].str.len;
	}
	return s;
}

static bool strset_has(const struct strset *s, const char *p, size_t len)
{
	for (size_t h = hash(p, len) & s->mask; s->slot[h].p; h = (h + 1) & s->mask)
		if (s->slot[h].len == len && memcmp(s->slot[h].p, p, len) == 0)
			return true;
	return false;
}

/* ---- comparisons ---- */
static bool icontains(const char *p, size_t len, const char *lower, size_t klen)
{
	if (klen > len)
		return false;
	for (size_t i = 0; i + klen <= len; i++) {
		size_t j = 0;

		while (j < klen && tolower((unsigned char)p[i + j]) == lower[j])
			j++;
		if (j == klen)
			return true;
	}
	return false;
}

static bool str_match(struct ectx *c, const struct node *n, enum op op, const char *p, size_t len,
		      const struct vg_value *k, int nk)
{
	char buf[VG_PATH_MAX + 1];

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
		return icontains(p, len, k->str.ptr, k->str.len);
	case OP_STARTSWITH:
		return len >= k->str.len && memcmp(p, k->str.ptr, k->str.len) == 0;
	case OP_ENDSWITH:
		return len >= k->str.len && memcmp(p + len - k->str.len, k->str.ptr, k->str.len) == 0;
	case OP_GLOB:
		if (len >= sizeof(buf))
			return false;
		memcpy(buf, p, len);
		buf[len] = 0;
		return fnmatch(k->str.ptr, buf, 0) == 0;
	case OP_PMATCH: /* the path is one of them or below one */
		for (int i = 0; i < nk; i++) {
			size_t kl = k[i].str.len;

			if (len >= kl && memcmp(p, k[i].str.ptr, kl) == 0 &&
			    (len == kl || p[kl] == '/' || (kl && k[i].str.ptr[kl - 1] == '/')))
				return true;
		}
		return false;
	case OP_REGEX:
		return pcre2_match(n->re, (PCRE2_SPTR)p, len, 0, 0, c->rs->md, NULL) >= 0;
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

static bool value_match(struct ectx *c, const struct node *n, enum op op, const struct vg_value *v,
			const struct vg_value *k, int nk, const uint8_t *prefix)
{
	switch (v->type) {
	case VG_V_STR:
		return str_match(c, n, op, v->str.ptr, v->str.len, k, nk);
	case VG_V_LIST:
		for (size_t i = 0; i < v->str.len;) {
			const char *e = v->str.ptr + i;
			const char *z = memchr(e, 0, v->str.len - i);
			size_t len = z ? (size_t)(z - e) : v->str.len - i;

			if (str_match(c, n, op, e, len, k, nk))
				return true;
			i += len + 1;
		}
		return false;
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
static bool eval_cmp(struct ectx *c, const struct node *n)
{
	const struct vg_value *k = n->vals;
	const uint8_t *prefix = n->prefix;
	struct vg_value v, rk;
	int nk = n->n;
	enum op op = n->op == OP_NE ? OP_EQ : n->op;
	bool seen = false;

	if (n->rhs_is_operand) {
		if (!operand_get(c, &n->rhs, 0, &rk))
			return false;
		k = &rk;
		nk = 1;
		prefix = NULL;
	}
	for (int i = 0; operand_get(c, &n->lhs, i, &v); i++) {
		if (n->op == OP_EXISTS)
			return true;
		seen = true;
		if (value_match(c, n, op, &v, k, nk, prefix))
			return n->op != OP_NE;
	}
	return n->op == OP_NE && seen;
}

bool eval_node(struct ectx *c, const struct node *n)
{
	switch (n->kind) {
	case NK_AND:
		for (int i = 0; i < n->n; i++)
			if (!eval_node(c, n->kids[i]))
				return false;
		return true;
	case NK_OR:
		for (int i = 0; i < n->n; i++)
			if (eval_node(c, n->kids[i]))
				return true;
		return false;
	case NK_NOT:
		return !eval_node(c, n->kids[0]);
	case NK_TYPES:
		return (n->types >> c->ev->type) & 1;
	case NK_CMP:
		return eval_cmp(c, n);
	case NK_CONST:
		return n->truth;
	}
	return false;
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

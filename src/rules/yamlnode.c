/* yamlnode.c — reading libyaml document nodes for loader.c: typed scalars, string lists,
 * maps checked against their allowed keys, and how an appending or overriding item applies
 * each key. Every error names the node's file:line:col. */
#include <stdio.h>
#include <string.h>
#include "rules/internal.h"

const struct src *y_src(struct loader *L, const yaml_node_t *n)
{
	struct src *s = arena_alloc(&L->a, sizeof(*s));

	*s = (struct src){ L->file, L->text, L->len, n->start_mark.index, (int)n->start_mark.line,
			   (int)n->start_mark.column, n->type == YAML_SCALAR_NODE ? n->data.scalar.style : 0 };
	return s;
}

yaml_node_t *y_node(struct loader *L, int id)
{
	return yaml_document_get_node(L->doc, id);
}

/* Charges bytes read out of the document against VG_MAX_SOURCE_BYTES (the copied files
 * count too): an alias to a large node, used many times, or thousands of appends to one
 * list, would otherwise copy it over and over. Reported once, at n. */
static bool source_room(struct loader *L, const yaml_node_t *n, size_t bytes)
{
	if (!L->over_source && L->a.total + bytes <= VG_MAX_SOURCE_BYTES)
		return true;
	if (!L->over_source)
		y_error(L, n, "more than %u MiB read out of the rules (limit VG_MAX_SOURCE_BYTES: aliases or "
			   "appends repeat too much)", VG_MAX_SOURCE_BYTES >> 20);
	L->over_source = true;
	return false;
}

char *y_scalar(struct loader *L, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		y_error(L, n, "'%s' must be a string", what);
		return NULL;
	}
	if (!source_room(L, n, n->data.scalar.length + 1))
		return NULL;
	return arena_strndup(&L->a, (const char *)n->data.scalar.value, n->data.scalar.length);
}

bool y_bool(struct loader *L, yaml_node_t *n, const char *what, bool *out)
{
	const char *s = y_scalar(L, n, what);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		*out = true;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		*out = false;
	else if (s)
		y_error(L, n, "'%s' must be true or false, not '%s'", what, s);
	return s && (*out || !strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"));
}

/* Arrays grown here have grow_capacity() room: appends reuse it and copy only when they
 * pass it, so n appends cost O(n), not O(n^2). */
void *y_grow(struct loader *L, const yaml_node_t *at, void *old, int n, int add, size_t size)
{
	size_t want = (size_t)n + (size_t)add, cap = grow_capacity(want);
	void *p;

	if (old && want <= grow_capacity((size_t)n))
		return old;
	if (!source_room(L, at, cap * size))
		return NULL;
	p = arena_alloc(&L->a, cap * size);
	if (n)
		memcpy(p, old, (size_t)n * size);
	return p;
}

/* A scalar or a sequence of scalars. */
bool y_strings(struct loader *L, yaml_node_t *n, const char *what, char ***out,
	       const struct src ***srcs, int *cnt, enum mode m)
{
	int have = m == M_APPEND ? *cnt : 0, add;
	yaml_node_item_t *it;
	char **grown;
	const struct src **grown_srcs = NULL;

	if (n->type == YAML_MAPPING_NODE) {
		y_error(L, n, "'%s' must be a list of strings", what);
		return false;
	}
	add = n->type == YAML_SCALAR_NODE ? 1 : (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	grown = y_grow(L, n, have ? *out : NULL, have, add, sizeof(**out));
	if (srcs)
		grown_srcs = y_grow(L, n, have ? *srcs : NULL, have, add, sizeof(**srcs));
	if (!grown || (srcs && !grown_srcs))
		return false;
	*out = grown;
	if (srcs)
		*srcs = grown_srcs;
	*cnt = have;
	if (n->type == YAML_SCALAR_NODE) {
		char *s = y_scalar(L, n, what);

		if (!s)
			return false;
		(*out)[*cnt] = s;
		if (srcs)
			(*srcs)[*cnt] = y_src(L, n);
		(*cnt)++;
		return true;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = y_node(L, *it);
		char *s = y_scalar(L, e, what);

		if (!s)
			return false;
		if (srcs)
			(*srcs)[*cnt] = y_src(L, e);
		(*out)[(*cnt)++] = s;
	}
	return true;
}

/* The keys of a map, checked against the allowed ones. */
int y_keys(struct loader *L, yaml_node_t *map, const char *what, const char *const *allowed,
	   struct kv *out)
{
	int n = 0;

	if (map->type != YAML_MAPPING_NODE) {
		y_error(L, map, "%s must be a map", what);
		return -1;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = y_node(L, p->key);
		const char *key = y_scalar(L, k, "key");
		int i;

		if (!key)
			return -1;
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i]) {
			char list[512] = "";

			for (i = 0; allowed[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", allowed[i]);
			y_error(L, k, "unknown key '%s' in %s (expected %s)", key, what, list);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(out[i].key, key)) {
				y_error(L, k, "duplicate key '%s'", key);
				return -1;
			}
		out[n++] = (struct kv){ key, k, y_node(L, p->value) };
	}
	return n;
}

yaml_node_t *y_get(struct kv *kv, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].v;
	return NULL;
}

/* How a key of an appending or overriding item applies. */
bool y_mode(struct loader *L, struct kv *kv, int n, const char *key, bool append, enum mode *m)
{
	yaml_node_t *ov = y_get(kv, n, "override"), *v;
	const char *s;

	*m = append ? M_APPEND : M_REPLACE;
	if (!ov)
		return true;
	if (ov->type != YAML_MAPPING_NODE) {
		y_error(L, ov, "'override' must map keys to append or replace");
		return false;
	}
	for (yaml_node_pair_t *p = ov->data.mapping.pairs.start; p < ov->data.mapping.pairs.top; p++) {
		if (y_node(L, p->key)->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)y_node(L, p->key)->data.scalar.value, key))
			continue;
		v = y_node(L, p->value);
		s = y_scalar(L, v, "override");
		if (s && !strcmp(s, "append"))
			*m = M_APPEND;
		else if (s && !strcmp(s, "replace"))
			*m = M_REPLACE;
		else if (s)
			y_error(L, v, "override of '%s' must be append or replace, not '%s'", key, s);
		return s && (*m == M_APPEND || !strcmp(s, "replace"));
	}
	y_error(L, ov, "'override' does not say how to apply '%s'", key);
	return false;
}

void y_cond(struct loader *L, struct ctext *ct, yaml_node_t *n, enum mode m)
{
	char *s = y_scalar(L, n, "condition");

	if (!s)
		return;
	if (m == M_REPLACE)
		ctext_free(ct);
	ctext_add(ct, y_src(L, n), s);
}


/* mem.c — the arena a compiled ruleset lives in (freed in one go), and allocation helpers
 * that abort on exhaustion: a rule engine that half-built a tree is worse than none. */
#include <stdlib.h>
#include <string.h>
#include "rules/internal.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

#define CHUNK_SIZE 65536

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

size_t grow_capacity(size_t n)
{
	size_t cap = 4;

	while (cap < n)
		cap *= 2;
	return n ? cap : 0;
}

void *xgrow(void *p, size_t n, size_t add, size_t size)
{
	if (p && n + add <= grow_capacity(n))
		return p;
	p = realloc(p, grow_capacity(n + add) * size);
	if (!p)
		abort();
	return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t align = sizeof(max_align_t);

	n = (n + align - 1) / align * align;
	a->total += n;
	if (!c || c->used + n > c->cap) {
		size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			abort();
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}

/* ratelimit.c — alert rate limiting: one token bucket per (rule, process), so a looping
 * script cannot flood the sinks while other processes still alert. Buckets are capped;
 * when full the oldest bucket is dropped (its process simply starts with a full bucket). */
#include <stdlib.h>
#include "rules/internal.h"

struct bucket {
	struct {
		uint32_t rule, pid;
	} key;
	double tokens;
	uint64_t last_ns;
	UT_hash_handle hh;
};

struct limiter {
	struct bucket *map; /* uthash keeps insertion order: the head is the oldest */
	unsigned cap;
	double burst, rate;
};

struct limiter *limiter_new(const struct vg_rules_opts *o)
{
	struct limiter *l = xcalloc(1, sizeof(*l));

	l->cap = o->max_buckets;
	l->burst = o->rate_burst;
	l->rate = o->rate_per_sec;
	return l;
}

void limiter_free(struct limiter *l)
{
	struct bucket *b, *tmp;

	if (!l)
		return;
	HASH_ITER(hh, l->map, b, tmp) {
		HASH_DEL(l->map, b);
		free(b);
	}
	free(l);
}

bool limiter_allow(struct limiter *l, int rule, uint32_t pid, uint64_t now_ns)
{
	struct bucket *b, key = { .key = { (uint32_t)rule, pid } };

	HASH_FIND(hh, l->map, &key.key, sizeof(key.key), b);
	if (!b) {
		if (HASH_COUNT(l->map) >= l->cap) {
			struct bucket *oldest = l->map;

			HASH_DEL(l->map, oldest);
			free(oldest);
		}
		b = xcalloc(1, sizeof(*b));
		b->key = key.key;
		b->tokens = l->burst;
		b->last_ns = now_ns;
		HASH_ADD(hh, l->map, key, sizeof(b->key), b);
	} else if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) * l->rate / 1e9;
		if (b->tokens > l->burst)
			b->tokens = l->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

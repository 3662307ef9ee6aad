/* mapread.c — per-CPU sums and whole-map reads (see mapread.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader/mapread.h"

int vg_percpu_count(void)
{
	static int n;

	if (!n)
		n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}

uint64_t vg_percpu_sum(struct bpf_map *map, const void *key, int reset)
{
	int ncpu = vg_percpu_count(), fd = bpf_map__fd(map);
	uint64_t *v = calloc((size_t)ncpu, sizeof(*v)), sum = 0;

	if (!v)
		return 0;
	if (bpf_map_lookup_elem(fd, key, v) == 0) {
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
		if (reset) {
			for (int c = 0; c < ncpu; c++)
				v[c] = 0;
			bpf_map_update_elem(fd, key, v, BPF_EXIST);
		}
	}
	free(v);
	return sum;
}

size_t vg_map_value_stride(const struct bpf_map *map)
{
	size_t vsize = bpf_map__value_size(map);

	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return ((vsize + 7) & ~(size_t)7) * (size_t)vg_percpu_count();
	default:
		return vsize;
	}
}

/* Whether key was counted in an ended generation (its first 32 bits: mapread.h). */
static bool ended(const void *key, const struct vg_generation *g)
{
	uint32_t generation;

	memcpy(&generation, key, sizeof(generation));
	return generation != g->now;
}

size_t vg_map_take_ended(struct bpf_map *map, const struct vg_generation *g, void *keys, void *values, size_t max)
{
	size_t ksize = bpf_map__key_size(map), vsize = vg_map_value_stride(map), n = 0;
	size_t steps = 2 * (size_t)bpf_map__max_entries(map);
	int fd = bpf_map__fd(map);
	char *k = keys, *v = values, *prev = malloc(ksize);

	if (!prev)
		return 0; /* nothing taken: the entries stay for the next call */
	if (max > bpf_map__max_entries(map))
		max = bpf_map__max_entries(map);
	/* collect first, delete after: deleting while walking restarts the walk. A walk also
	 * restarts when its last key went meanwhile (an LRU eviction), hence the step bound:
	 * twice what the map can hold. */
	for (const void *after = NULL; n < max && steps-- > 0 && bpf_map_get_next_key(fd, after, k + n * ksize) == 0;
	     after = prev) {
		memcpy(prev, k + n * ksize, ksize);
		if (!g || ended(k + n * ksize, g))
			n++;
	}
	free(prev);
	for (size_t i = 0; i < n; i++) {
		/* one step where the kernel has it (hash maps since 5.14); else nothing writes
		 * an ended generation's entry any more, so a lookup then a delete is as good */
		if (bpf_map_lookup_and_delete_elem(fd, k + i * ksize, v + i * vsize) == 0)
			continue;
		if (bpf_map_lookup_elem(fd, k + i * ksize, v + i * vsize) < 0)
			memset(v + i * vsize, 0, vsize);
		bpf_map_delete_elem(fd, k + i * ksize);
	}
	return n;
}

int vg_generation_map(struct vg_generation *g, struct bpf_map *array, size_t offset)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	memset(g, 0, sizeof(*g));
	if (offset + sizeof(*g->word) > bpf_map__value_size(array)) {
		errno = EINVAL;
		return -1;
	}
	g->mapping_size = (bpf_map__value_size(array) + page - 1) / page * page;
	p = mmap(NULL, g->mapping_size, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(array), 0);
	if (p == MAP_FAILED)
		return -1;
	g->mapping = p;
	g->word = (uint32_t *)((char *)p + offset);
	/* a pinned map may be an earlier agent's, its programs counting in its generation */
	g->now = __atomic_load_n(g->word, __ATOMIC_SEQ_CST);
	return 0;
}

void vg_generation_unmap(struct vg_generation *g)
{
	if (g->mapping)
		munmap(g->mapping, g->mapping_size);
	memset(g, 0, sizeof(*g));
}

/* Returns once every BPF program running at the call has returned (an RCU grace period:
 * tracing programs run inside RCU read-side sections). */
static void grace_period(void)
{
	static const struct timespec practical = { .tv_nsec = 10 * 1000 * 1000 };

	/* synchronize_rcu() (on one CPU nothing to wait for); refused with nohz_full, without
	 * CONFIG_MEMBARRIER or by a seccomp filter, when the practical grace of tracing tools
	 * has to do: such programs run for microseconds */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		nanosleep(&practical, NULL);
}

void vg_generation_turn(struct vg_generation *g)
{
	__atomic_store_n(g->word, ++g->now, __ATOMIC_SEQ_CST);
	grace_period();
}

/* percpu.c — per-CPU map values summed (see percpu.h). */
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tools/percpu.h"

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

/* percpu.h — reading the per-CPU values of BPF maps, for the counting tools. */
#ifndef VIGIL_PERCPU_H
#define VIGIL_PERCPU_H

#include <stddef.h>
#include <stdint.h>

struct bpf_map;

/* The number of per-CPU slots a lookup fills (libbpf_num_possible_cpus()). */
int vg_percpu_count(void);
/* The sum over CPUs of the u64 at key of a per-CPU array or hash; 0 when absent. With
 * reset, the key's values are set to zero afterwards (an array's read-and-clear). */
uint64_t vg_percpu_sum(struct bpf_map *map, const void *key, int reset);

#endif

/* mapread.h — what counting tools, the trackers and the watch read from their BPF maps:
 * per-CPU sums, and every entry of a hash at once (taken out, so that the next interval
 * starts from zero). */
#ifndef VIGIL_MAPREAD_H
#define VIGIL_MAPREAD_H

#include <stddef.h>
#include <stdint.h>

struct bpf_map;

/* The number of per-CPU slots a lookup fills (libbpf_num_possible_cpus()). */
int vg_percpu_count(void);
/* The sum over CPUs of the u64 at key of a per-CPU array or hash; 0 when absent. With
 * reset, the key's values are set to zero afterwards (an array's read-and-clear). */
uint64_t vg_percpu_sum(struct bpf_map *map, const void *key, int reset);

/* The bytes one entry's value takes in what a lookup fills: the value size, or for a
 * per-CPU map vg_percpu_count() slots of it rounded up to 8 bytes. */
size_t vg_map_value_stride(const struct bpf_map *map);
/* Copies up to max entries of a hash map into keys and values (arrays of the map's key
 * size and of vg_map_value_stride) and deletes them; returns how many. Entries added
 * meanwhile stay for the next call. */
size_t vg_map_take(struct bpf_map *map, void *keys, void *values, size_t max);

#endif

/* mapread.h — what counting tools, the trackers and the watch read from their BPF maps:
 * per-CPU sums, and every entry of a hash at once (taken out, so that the next interval
 * starts from zero). */
#ifndef VIGIL_MAPREAD_H
#define VIGIL_MAPREAD_H

#include <stdbool.h>
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
 * meanwhile stay for the next call. An increment a program makes through a pointer it
 * looked up before the delete can be lost: see vg_map_take_if for exact counts. */
size_t vg_map_take(struct bpf_map *map, void *keys, void *values, size_t max);
/* vg_map_take of only the entries whose key pick(key, arg) accepts (every entry when pick
 * is NULL); the others stay. */
size_t vg_map_take_if(struct bpf_map *map, bool (*pick)(const void *key, void *arg), void *arg, void *keys,
		      void *values, size_t max);
/* Returns once every BPF program running at the call has returned (an RCU grace period:
 * tracing programs run inside RCU read-side sections), so that nothing writes what only
 * a value they read before the call leads to. */
void vg_bpf_grace_period(void);

#endif

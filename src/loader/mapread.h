/* mapread.h — what counting tools, the trackers and the watch read from their BPF maps:
 * per-CPU sums, and every entry of a hash counted until the last turn of a generation
 * (taken out, so that the next interval starts from zero). */
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
/* Generations: how a hash of counters is read exactly while programs go on counting.
 * Programs add through a pointer from bpf_map_lookup_elem, so an entry read and deleted
 * while a program holds that pointer would lose what it adds after the read. So every
 * counting key starts with a generation (its first 4 bytes, a __u32), which each event
 * reads once from a word user space writes (a tool's vg_tool_generation, bpf/lib/tool.h;
 * the sensor's vg_control.io_generation). vg_generation_turn writes the next number, then
 * waits for an RCU grace period (membarrier(MEMBARRIER_CMD_GLOBAL) is synchronize_rcu();
 * tracing programs run with preemption off, inside RCU read-side sections): once it
 * returns, every program that read the old number has returned, nothing writes the ended
 * generations' entries any more, and vg_map_take_ended takes them out missing nothing.
 * What comes after counts in the new generation's entries, for the next take. */
struct vg_generation {
	uint32_t *word; /* in the kernel's memory, mapped */
	uint32_t now;   /* what the programs count in now */
	void *mapping;
	size_t mapping_size;
};

/* Maps the array map (an object's .bss, an mmapable array) holding the generation at
 * offset of its value, and starts from the number found there. -1 with errno. */
int vg_generation_map(struct vg_generation *g, struct bpf_map *array, size_t offset);
void vg_generation_unmap(struct vg_generation *g);
/* Ends the generation the programs count in (see above); blocks for a grace period. */
void vg_generation_turn(struct vg_generation *g);
/* Copies up to max entries (at most the map's max_entries) of generations before g->now
 * from a hash map into keys and values (arrays of the map's key size and of
 * vg_map_value_stride) and deletes them; returns how many. The current generation's
 * entries stay for the next call. With g NULL, every entry, the current generation's too
 * (an increment racing the take can then be lost): the last take of a process whose
 * readers count every record the kernel numbered (the agent's exit). */
size_t vg_map_take_ended(struct bpf_map *map, const struct vg_generation *g, void *keys, void *values, size_t max);

#endif

/* pin.h — the sensors outlive the agent.
 *
 * The sensor's maps and links are pinned in bpffs (VG_PIN_DIR unless --pin-dir says
 * otherwise). A killed or stopped agent leaves its hooks running into the pinned ring, and
 * the next agent takes the maps over — the ring with what it holds, the sequence and drop
 * counters that prove loss, the state the hooks keep — attaches a new object beside the
 * old links, makes it live with one write to the control map (struct vg_control) and only
 * then lets the old links go: nothing is missed and nothing reported twice in between.
 *
 * Pinned maps are reused only when their layout key matches: the wire format (a hash of
 * the headers in bpf/, made at build time) and every map's type, sizes, entries and flags. Another
 * build's or other settings' pins (e.g. another --ring-size) are removed, said on stderr,
 * and the agent starts fresh. While an agent runs on a directory it holds a lock on it, so
 * a second agent, or `vigil unload`, is refused with the first one's pid.
 *
 * Layout of the directory: one file per map (its name), links-G/PROGRAM per link of the
 * object of generation G.
 */
#ifndef VIGIL_PIN_H
#define VIGIL_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agent_event.h"

#define VG_PIN_DIR "/sys/fs/bpf/vigil"

struct bpf_object;
struct bpf_link;

struct vg_pins {
	char dir[160];
	int lock_fd;             /* the directory, locked; -1 when not pinning (--no-pin) */
	bool took_over;          /* an earlier agent's maps are reused */
	struct vg_control prev;  /* what it left in the control map (took_over) */
	uint32_t generation;     /* of the object this agent loads */
};

/* Not pinning: vg_pins_maps and the rest do nothing, the object is generation 1. */
void vg_pins_none(struct vg_pins *p);
/* Makes dir on bpffs (mounting bpffs on /sys/fs/bpf when it is not there), locks it and
 * reads what an earlier agent left. -1 with err: not a bpffs, cannot be created, another
 * agent holds it. */
int vg_pins_open(struct vg_pins *p, const char *dir, char *err, size_t errlen);
/* The layout key of obj (after its maps are sized, before load). */
uint64_t vg_pins_layout(struct bpf_object *obj);
/* Before load: when the pinned maps' layout is not obj's (layout), removes them (said on
 * stderr); then points every map of obj at its pin, which libbpf reuses or creates. */
void vg_pins_maps(struct vg_pins *p, struct bpf_object *obj, uint64_t layout);
/* Pins link (of the program named name) under this generation's links. -1 with errno. */
int vg_pins_link(const struct vg_pins *p, struct bpf_link *link, const char *name);
/* After this generation went live: removes the pins of every other generation's links,
 * which detaches them (no agent holds them any more). Returns how many went. */
int vg_pins_retire(const struct vg_pins *p);
/* Releases the lock; the pins stay for the next agent. */
void vg_pins_close(struct vg_pins *p);
/* `vigil unload`: removes every pin under dir and dir itself (links detach, maps go with
 * their last user). -1 with err when an agent runs on it or dir is not vigil's. *maps and
 * *links count what was removed. */
int vg_pins_unload(const char *dir, int *maps, int *links, char *err, size_t errlen);

#endif

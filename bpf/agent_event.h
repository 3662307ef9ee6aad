/* agent_event.h — what the sensor and the agent share about the agent itself: the control
 * map (which program object is live, who the agent is, how far it has read), the set of
 * the agent's own BPF objects (a change to one of them by anybody else is tampering), and
 * the body of the agent event, which the agent raises itself about its own health
 * (src/protect/, decoded by src/decode/agent.c). Layout rules: see vigil_event.h. */
#ifndef VIGIL_AGENT_EVENT_H
#define VIGIL_AGENT_EVENT_H

#include "vigil_event.h"

/* The one element of the vg_control map (mmapped by the agent, pinned with the others).
 * A restarted agent loads a new object beside the sensors an earlier agent left running,
 * attaches it, then makes it live by writing generation: programs of any other generation
 * stay quiet, so no event is reported twice and none is missed while both are attached. */
struct vg_control {
	__u64 layout;         /* layout key of the object that made the pins (src/loader/pin.c) */
	__u32 generation;     /* the live object's vg_generation */
	__u32 self_pid;       /* the agent: its own activity is not reported */
	struct vg_inode_key self_exe; /* its executable: a BPF loader named vigil from another file
				       * impersonates it */
	__u64 heartbeat_ns;   /* CLOCK_BOOTTIME of the agent's last loop turn */
	__u64 consumed;       /* records taken from the ring since the pins were made, by every
			       * agent (the reader counts each as it takes it) */
	__u64 lost;           /* the kernel's loss counters, summed, as of the last heartbeat second */
	__u64 ring_size;      /* of the pinned ring, for the message when it cannot be reused */
	__u32 restarts;       /* agents that took the pins over */
	__u32 clean_exit;     /* 1 once the agent stopped on request (SIGTERM, SIGINT, --duration) */
	__u32 io_generation;  /* what file_read and file_write count in (file_event.h) */
	__u32 pad;
};

/* The agent's own BPF objects, by kind and id (user space fills vg_self_objects). */
enum vg_self_kind { VG_SELF_MAP = 1, VG_SELF_PROG, VG_SELF_LINK };

struct vg_self_key {
	__u32 kind; /* enum vg_self_kind */
	__u32 id;
};

#define VG_SELF_OBJECTS_MAX 512

/* X(NAME, "name"): what the agent found out about itself. */
#define VG_AGENT_CHECKS(X)                                                                 \
	X(RESTART, "restart")             /* took over sensors an earlier agent left running */ \
	X(STOPPED, "stopped")             /* it was stopped (SIGSTOP) and continued */          \
	X(MAP_CHANGED, "map_changed")     /* a map held other than what it wrote (restored) */  \
	X(LINK_LOST, "link_lost")         /* one of its hooks is no longer attached */          \
	X(FILE_CHANGED, "file_changed")   /* its binary, a rules file or its store changed */   \
	X(OUTPUT_FAILED, "output_failed") /* a sink could not write (full disk, closed pipe) */

enum vg_agent_check {
#define VG_AGENT_ENUM(e, name) VG_AGENT_##e,
	VG_AGENT_CHECKS(VG_AGENT_ENUM)
#undef VG_AGENT_ENUM
	VG_AGENT__COUNT
};

struct vg_agent {
	__u32 check;     /* enum vg_agent_check */
	__u32 pad;
	__u64 gap_ns;    /* restart: since the earlier agent's last heartbeat; stopped: how long */
	__u64 lost;      /* records the kernel could not deliver meanwhile, or lines a sink lost */
	struct vg_str object; /* the map, hook, file or sink concerned */
	struct vg_str detail; /* what was found, in words */
};

#endif

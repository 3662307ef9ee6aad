/* decode/agent.c — the agent event: what the agent found out about itself (src/protect/),
 * raised in user space as a record like the kernel's, so that it reaches the rules, the
 * sinks and the store the same way. */
#include <string.h>
#include "agent_event.h"
#include "decode/decode.h"

enum { F_CHECK, F_GAP_MS, F_LOST, F_OBJECT, F_DETAIL, F_COUNT };

static const struct vg_field fields[F_COUNT] = {
	[F_CHECK] = { "agent.check", VG_V_STR,
		      "what was found: restart (sensors an earlier agent left running were taken over), stopped "
		      "(the agent was stopped and continued), map_changed (a map held other than what the agent "
		      "wrote; restored), link_lost (a hook is no longer attached), file_changed (its binary, a rules "
		      "file or its store changed), output_failed (a sink could not write)" },
	[F_GAP_MS] = { "agent.gap_ms", VG_V_INT,
		       "restart: milliseconds since the earlier agent's last sign of life; stopped: how long it was "
		       "stopped" },
	[F_LOST] = { "agent.lost", VG_V_INT,
		     "restart and stopped: records the kernel could not deliver meanwhile; output_failed: lines the "
		     "sink lost" },
	[F_OBJECT] = { "agent.object", VG_V_STR, "the map, hook, file or sink concerned" },
	[F_DETAIL] = { "agent.detail", VG_V_STR, "what was found, in words" },
};

static const char *const check_names[VG_AGENT__COUNT] = {
#define VG_AGENT_NAME(e, name) [VG_AGENT_##e] = name,
	VG_AGENT_CHECKS(VG_AGENT_NAME)
#undef VG_AGENT_NAME
};

static int decode_agent(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_agent *a = body;

	if (a->check >= VG_AGENT__COUNT)
		return -1;
	vg_event_add_str(ev, &fields[F_CHECK], check_names[a->check], strlen(check_names[a->check]));
	if (a->check == VG_AGENT_RESTART || a->check == VG_AGENT_STOPPED)
		vg_event_add_int(ev, &fields[F_GAP_MS], (int64_t)(a->gap_ns / 1000000));
	if (a->check == VG_AGENT_RESTART || a->check == VG_AGENT_STOPPED || a->check == VG_AGENT_OUTPUT_FAILED)
		vg_event_add_int(ev, &fields[F_LOST], (int64_t)a->lost);
	vg_add_raw_str(ev, &fields[F_OBJECT], a->object);
	vg_add_raw_str(ev, &fields[F_DETAIL], a->detail);
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_AGENT, sizeof(struct vg_agent), decode_agent },
};

const struct vg_domain vg_domain_agent = {
	"agent", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};

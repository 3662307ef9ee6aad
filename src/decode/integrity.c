/* decode/integrity.c — integrity findings (src/integrity), made by the agent in the ring's
 * wire format (bpf/integrity_event.h). */
#include <string.h>
#include "decode/decode.h"
#include "integrity_event.h"

enum { F_CHECK, F_FINDING, F_SUBJECT, F_DETAIL, F_ID, F_OWNER, F_OWNER_PID, F_OWNER_NAME, F_OWNER_EXE, F_COUNT };

static const struct vg_field fields[F_COUNT] = {
	[F_CHECK] = { "integrity.check", VG_V_STR,
		      "the check: kernel_hooks, probe_events, bpf_programs, hidden_processes, system_files" },
	[F_FINDING] = { "integrity.finding", VG_V_STR,
			"what it found: hooked, traced, changed, table_entry (kernel_hooks); probe, kprobe (probe_events); "
			"program, unowned (bpf_programs); hidden, overmounted (hidden_processes); replaced, overmounted, "
			"hidden, file_in_dev, hidden_entries, preload (system_files)" },
	[F_SUBJECT] = { "integrity.subject", VG_V_STR,
			"what it is about: a kernel function, a probe, a program's name, a process's name, a path" },
	[F_DETAIL] = { "integrity.detail", VG_V_STR, "how it was found and what it is" },
	[F_ID] = { "integrity.id", VG_V_INT, "a number naming the subject: BPF program id, pid, kernel address" },
	[F_OWNER] = { "integrity.owner", VG_V_STR, "every process holding it, \"pid name exe\", comma-separated" },
	[F_OWNER_PID] = { "integrity.owner_pid", VG_V_INT, "the (first) process it is about" },
	[F_OWNER_NAME] = { "integrity.owner_name", VG_V_STR, "that process's name" },
	[F_OWNER_EXE] = { "integrity.owner_exe", VG_V_STR, "that process's executable" },
};

static const char *const checks[VG_CHECK__COUNT] = {
#define CHECK_NAME(NAME, name) [VG_CHECK_##NAME] = name,
	VG_INTEGRITY_CHECKS(CHECK_NAME)
#undef CHECK_NAME
};

static int decode_integrity(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_integrity *g = body;

	if (g->check >= VG_CHECK__COUNT)
		return -1;
	vg_event_add_str(ev, &fields[F_CHECK], checks[g->check], strlen(checks[g->check]));
	vg_add_raw_str(ev, &fields[F_FINDING], g->finding);
	vg_add_raw_str(ev, &fields[F_SUBJECT], g->subject);
	vg_add_raw_str(ev, &fields[F_DETAIL], g->detail);
	if (g->id >= 0)
		vg_event_add_int(ev, &fields[F_ID], g->id);
	vg_add_raw_str(ev, &fields[F_OWNER], g->owner);
	if (g->owner_pid)
		vg_event_add_int(ev, &fields[F_OWNER_PID], g->owner_pid);
	vg_add_raw_str(ev, &fields[F_OWNER_NAME], g->owner_name);
	vg_add_raw_str(ev, &fields[F_OWNER_EXE], g->owner_exe);
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_INTEGRITY, sizeof(struct vg_integrity), decode_integrity },
};

const struct vg_domain vg_domain_integrity = {
	"integrity", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};

/* hooks_integrity.c — the integrity event comes from the agent's periodic checks of the
 * host (src/integrity), with no program of the sensor object (the checks that read kernel
 * memory load their own, bpf/integrity.bpf.c). Which checks run here: `vigil probes`. */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_INTEGRITY, "periodic checks: hooked kernel functions, probes, BPF programs, hidden processes and files "
			   "(src/integrity)",
	  false, { { VG_MECH_SCAN, NULL, { 0 } } } },
};

const struct vg_hook_table vg_hooks_integrity = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

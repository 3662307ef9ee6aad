/* score.c — tactics from rule tags, and an incident's score (tactics.h). */
#include <math.h>
#include <string.h>
#include "incident/tactics.h"

static const char *const names[] = {
#define VG_TACTIC_NAME(e, name, id) name,
	VG_TACTICS(VG_TACTIC_NAME)
#undef VG_TACTIC_NAME
};

static const char *const ids[] = {
#define VG_TACTIC_ID(e, name, id) id,
	VG_TACTICS(VG_TACTIC_ID)
#undef VG_TACTIC_ID
};

uint32_t vg_tactic_mask(const char *const *tags, int ntags)
{
	uint32_t mask = 0;

	for (int i = 0; i < ntags; i++)
		for (unsigned t = 0; t < VG_TACTIC__COUNT; t++)
			if ((strncmp(tags[i], "mitre_", 6) == 0 && strcmp(tags[i] + 6, names[t]) == 0) ||
			    strcmp(tags[i], ids[t]) == 0)
				mask |= 1u << t;
	return mask;
}

const char *vg_tactic_name(unsigned t)
{
	return t < VG_TACTIC__COUNT ? names[t] : "?";
}

const char *vg_tactic_id(unsigned t)
{
	return t < VG_TACTIC__COUNT ? ids[t] : "?";
}

int vg_tactic_count(uint32_t mask)
{
	return __builtin_popcount(mask);
}

int vg_priority_weight(int priority)
{
	static const int weights[] = { 10, 9, 8, 6, 4, 2, 1, 0 };

	return priority >= 0 && priority < (int)(sizeof(weights) / sizeof(weights[0])) ? weights[priority] : 0;
}

double vg_incident_score(int priority, uint32_t tactics, int rules, uint64_t count)
{
	int n = vg_tactic_count(tactics);
	double score = vg_priority_weight(priority) + 3.0 * (n > 1 ? n - 1 : 0) + (rules > 1 ? rules - 1 : 0) +
		       2 * log10((double)(count ? count : 1));

	return round(score * 100) / 100;
}

/* tactics.h — the MITRE ATT&CK enterprise tactics in kill-chain order: the one table
 * incidents take their tactics, their order and their bits from. A rule names a tactic
 * by a tag "mitre_<name>" (in rules/) or by its id "TA00NN". */
#ifndef VIGIL_TACTICS_H
#define VIGIL_TACTICS_H

#include <stdint.h>

/* X(ENUM, "name", "id") */
#define VG_TACTICS(X)                                                   \
	X(RECONNAISSANCE, "reconnaissance", "TA0043")                   \
	X(RESOURCE_DEVELOPMENT, "resource_development", "TA0042")       \
	X(INITIAL_ACCESS, "initial_access", "TA0001")                   \
	X(EXECUTION, "execution", "TA0002")                             \
	X(PERSISTENCE, "persistence", "TA0003")                         \
	X(PRIVILEGE_ESCALATION, "privilege_escalation", "TA0004")       \
	X(DEFENSE_EVASION, "defense_evasion", "TA0005")                 \
	X(CREDENTIAL_ACCESS, "credential_access", "TA0006")             \
	X(DISCOVERY, "discovery", "TA0007")                             \
	X(LATERAL_MOVEMENT, "lateral_movement", "TA0008")               \
	X(COLLECTION, "collection", "TA0009")                           \
	X(COMMAND_AND_CONTROL, "command_and_control", "TA0011")         \
	X(EXFILTRATION, "exfiltration", "TA0010")                       \
	X(IMPACT, "impact", "TA0040")

enum vg_tactic {
#define VG_TACTIC_ENUM(e, name, id) VG_TACTIC_##e,
	VG_TACTICS(VG_TACTIC_ENUM)
#undef VG_TACTIC_ENUM
	VG_TACTIC__COUNT
};

/* Bit t set for each tactic the tags name. */
uint32_t vg_tactic_mask(const char *const *tags, int ntags);
const char *vg_tactic_name(unsigned t);
const char *vg_tactic_id(unsigned t);
int vg_tactic_count(uint32_t mask);

/* An incident's score: the weight of its most severe alert, plus 3 for each ATT&CK tactic
 * beyond the first, 1 for each distinct rule beyond the first, and 2 log10 of its alert
 * count (a flood of 1000 adds 6: it counts, but less than breadth). priority is enum
 * vg_priority. */
double vg_incident_score(int priority, uint32_t tactics, int rules, uint64_t count);
/* The weight of a priority in the score: emergency 10, alert 9, critical 8, error 6,
 * warning 4, notice 2, informational 1, debug 0. */
int vg_priority_weight(int priority);

#endif

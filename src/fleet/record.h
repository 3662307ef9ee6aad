/* record.h — reading a shipped record: the members `vigil collect` needs from the agent's
 * JSON (record_id, kind, ts, host, event, rule, priority), found at the object's top
 * level without building a tree. */
#ifndef VIGIL_FLEET_RECORD_H
#define VIGIL_FLEET_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include "fleet/writer.h"

/* Storage for the strings a parsed record points at. */
struct vg_fleet_strings {
	char buf[4096];
	size_t used;
};

/* Fills r from json (len bytes) and the message's subject; false with why set when the
 * record lacks a valid record_id, kind or ts, or is not a JSON object. */
bool vg_fleet_parse(struct vg_fleet_record *r, struct vg_fleet_strings *st, const char *subject,
		    const char *json, size_t len, const char **why);
/* RFC 3339 UTC ("2026-01-02T03:04:05.123456789Z") to ns since the epoch; false if invalid. */
bool vg_fleet_parse_time(const char *s, uint64_t *ns);

#endif

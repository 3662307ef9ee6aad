/* fields.h — the registry of event-specific fields (struct vg_field), gathered from every
 * domain decoder (decode.c). The rule engine resolves names here; docs list them. Header
 * fields (evt.*, proc.*, parent.*, user.*, container.*) are not here: they come from the
 * record header and the process table. */
#ifndef VIGIL_FIELDS_H
#define VIGIL_FIELDS_H

#include <stddef.h>
#include "event.h"

/* NULL when no event has a field of that name. */
const struct vg_field *vg_field_find(const char *name);
/* Iteration for docs: i from 0 until NULL. */
const struct vg_field *vg_field_at(size_t i);

#endif

/* catalog.c — names, Elkeid ids and profiles of the event catalogue (VG_EVENTS). */
#include <string.h>
#include "event.h"

struct entry {
	unsigned id;
	const char *name;
	int profile;
};

static const struct entry catalog[VG_EV__COUNT] = {
#define VG_ROW(e, id, name, prof) [VG_EV_##e] = { id, name, prof },
	VG_EVENTS(VG_ROW)
#undef VG_ROW
};

static const char *const drop_names[VG_DROP__COUNT] = {
#define VG_DROP_ROW(e, name) [VG_DROP_##e] = name,
	VG_DROPS(VG_DROP_ROW)
#undef VG_DROP_ROW
};

const char *vg_event_name(unsigned type)
{
	return type < VG_EV__COUNT ? catalog[type].name : "unknown";
}

unsigned vg_event_id(unsigned type)
{
	return type < VG_EV__COUNT ? catalog[type].id : 0;
}

int vg_event_profile(unsigned type)
{
	return type < VG_EV__COUNT ? catalog[type].profile : 0;
}

int vg_event_by_name(const char *name)
{
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		if (strcmp(catalog[t].name, name) == 0)
			return (int)t;
	return -1;
}

const char *vg_drop_name(unsigned reason)
{
	return reason < VG_DROP__COUNT ? drop_names[reason] : "unknown";
}

/* syscalls.c — syscall names by number (see syscalls.h). */
#include <stdio.h>
#include <string.h>
#include "track_event.h"
#include "tools/syscalls.h"

static const char *const names[] = {
#define X(nr, name) [nr] = name,
#include "syscall_names.h"
#undef X
};

const char *vg_syscall_name(unsigned nr)
{
	return nr < sizeof(names) / sizeof(names[0]) ? names[nr] : NULL;
}

int vg_syscall_number(const char *name)
{
	for (unsigned nr = 0; nr < sizeof(names) / sizeof(names[0]); nr++)
		if (names[nr] && strcmp(names[nr], name) == 0)
			return (int)nr;
	return -1;
}

const char *vg_track_syscall_name(unsigned nr, char buf[16])
{
	const char *name = nr == VG_TRACK_NR_IA32 ? "ia32" : vg_syscall_name(nr);

	if (name)
		return name;
	snprintf(buf, 16, "nr_%u", nr);
	return buf;
}

/* users.c — uid to user name. The cache is small and fixed: a host has few active users,
 * and a miss costs one getpwuid_r. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include "proc/users.h"

#define SLOTS 64

static struct {
	uint32_t uid;
	int used;
	char name[64];
} cache[SLOTS];

const char *vg_user_name(uint32_t uid)
{
	unsigned slot = (uid * 2654435761u) % SLOTS;
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (cache[slot].used && cache[slot].uid == uid)
		return cache[slot].name;
	cache[slot].uid = uid;
	cache[slot].used = 1;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(cache[slot].name, sizeof(cache[slot].name), "%s", res->pw_name);
	else
		snprintf(cache[slot].name, sizeof(cache[slot].name), "%u", uid);
	return cache[slot].name;
}

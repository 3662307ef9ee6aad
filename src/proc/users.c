/* users.c — uid to account facts. The cache is small and fixed: a host has few active
 * users, and a miss costs one getpwuid_r. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include "proc/users.h"

#define SLOTS 64
#define UID_MIN_DEFAULT 1000
#define NOBODY 65534

static struct {
	uint32_t uid;
	int used;
	char name[64];
	char home[256];
	struct vg_user user;
} cache[SLOTS];

/* UID_MIN of /etc/login.defs (where useradd starts ordinary accounts), read once. */
static uint32_t uid_min(void)
{
	static uint32_t min;
	char line[256];
	unsigned v;
	FILE *f;

	if (min)
		return min;
	min = UID_MIN_DEFAULT;
	if (!(f = fopen("/etc/login.defs", "re")))
		return min;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " UID_MIN %u", &v) == 1 && v > 0)
			min = v;
	fclose(f);
	return min;
}

static bool refuses_login(const char *shell)
{
	size_t n = strlen(shell);

	return (n >= 7 && strcmp(shell + n - 7, "nologin") == 0) || (n >= 5 && strcmp(shell + n - 5, "false") == 0);
}

const struct vg_user *vg_user(uint32_t uid)
{
	unsigned slot = (uid * 2654435761u) % SLOTS;
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (cache[slot].used && cache[slot].uid == uid)
		return &cache[slot].user;
	cache[slot].uid = uid;
	cache[slot].used = 1;
	cache[slot].home[0] = 0;
	cache[slot].user.system = false;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
		snprintf(cache[slot].name, sizeof(cache[slot].name), "%s", res->pw_name);
		snprintf(cache[slot].home, sizeof(cache[slot].home), "%s", res->pw_dir ? res->pw_dir : "");
		cache[slot].user.system = uid != 0 && (uid < uid_min() || uid == NOBODY ||
						      (res->pw_shell && refuses_login(res->pw_shell)));
	} else {
		snprintf(cache[slot].name, sizeof(cache[slot].name), "%u", uid);
	}
	cache[slot].user.name = cache[slot].name;
	cache[slot].user.home = cache[slot].home;
	return &cache[slot].user;
}

const char *vg_user_name(uint32_t uid)
{
	return vg_user(uid)->name;
}

/* users.h — uid to account facts, cached (host /etc/passwd via getpwuid_r, UID_MIN from
 * /etc/login.defs). */
#ifndef VIGIL_USERS_H
#define VIGIL_USERS_H

#include <stdbool.h>
#include <stdint.h>

struct vg_user {
	const char *name; /* the account name, or the uid in decimal when unknown */
	const char *home; /* the home directory, "" when unknown */
	/* A system account: not root, and below UID_MIN (services, daemons, nobody's
	 * 65534) or with a shell that refuses logins (nologin, false). false when unknown. */
	bool system;
};

/* The facts of uid; the pointers stay valid. */
const struct vg_user *vg_user(uint32_t uid);
/* vg_user(uid)->name. */
const char *vg_user_name(uint32_t uid);

#endif

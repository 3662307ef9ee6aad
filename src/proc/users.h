/* users.h — uid to user name, cached (host /etc/passwd via getpwuid_r). */
#ifndef VIGIL_USERS_H
#define VIGIL_USERS_H

#include <stdint.h>

/* The name of uid, or its decimal form when unknown. The pointer stays valid. */
const char *vg_user_name(uint32_t uid);

#endif

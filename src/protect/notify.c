/* notify.c — the sd_notify protocol, which is one datagram per state change to the unix
 * socket named by $NOTIFY_SOCKET ('@' for the abstract namespace); libsystemd is not
 * needed for it (see notify.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "protect/notify.h"

void vg_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || (len = strlen(path)) >= sizeof(addr.sun_path))
		return;
	memcpy(addr.sun_path, path, len);
	if (addr.sun_path[0] == '@')
		addr.sun_path[0] = 0;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* Half the interval systemd set for this process, in ns; 0 without a watchdog. */
static uint64_t watchdog_every(void)
{
	static bool read;
	static uint64_t every;
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");

	if (read)
		return every;
	read = true;
	if (usec && (!pid || strtol(pid, NULL, 10) == (long)getpid()))
		every = strtoull(usec, NULL, 10) * 1000 / 2;
	return every;
}

void vg_notify_watchdog(uint64_t now_ns)
{
	static uint64_t next;
	uint64_t every = watchdog_every();

	if (!every || now_ns < next)
		return;
	next = now_ns + every;
	vg_notify("WATCHDOG=1");
}

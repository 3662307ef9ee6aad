/* notify.h — the agent under systemd (Type=notify, WatchdogSec): READY=1 once it reads the
 * ring, WATCHDOG=1 from its loop (so a hung agent is restarted, and with pinned sensors the
 * new one takes over), STOPPING=1 at the end. Nothing without $NOTIFY_SOCKET. */
#ifndef VIGIL_NOTIFY_H
#define VIGIL_NOTIFY_H

#include <stdint.h>

/* Sends a state line ("READY=1", ...) to the service manager; nothing when none listens. */
void vg_notify(const char *state);
/* WATCHDOG=1, at most every half of $WATCHDOG_USEC; now is CLOCK_BOOTTIME. */
void vg_notify_watchdog(uint64_t now_ns);

#endif

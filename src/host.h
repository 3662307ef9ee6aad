/* host.h — who this agent is: the host's name (the "host" of every event, the NATS
 * subjects), its id (/etc/machine-id) and the id of the current boot. A record shipped to
 * the fleet is named "host_id:boot_id:seq" (spool.h), which stays unique across restarts
 * and reboots; the name and id can be set (--host-name, --host-id) for hosts cloned from
 * one image, and for tests that run several agents on one machine. */
#ifndef VIGIL_HOST_H
#define VIGIL_HOST_H

/* NULL or "" keeps the host's own: gethostname(), /etc/machine-id (else the D-Bus one). */
void vg_host_set(const char *name, const char *id);
const char *vg_host_name(void);
const char *vg_host_id(void);
/* /proc/sys/kernel/random/boot_id, "unknown" when unreadable. */
const char *vg_boot_id(void);

#endif

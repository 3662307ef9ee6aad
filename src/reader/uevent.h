/* uevent.h — usb_device_event from the kernel's uevents, a source of events in user space.
 *
 * The kernel broadcasts every device's uevent (add, remove, bind, ...) on a
 * NETLINK_KOBJECT_UEVENT socket; no BPF program is needed to see them. The agent reads the
 * socket every loop turn (it never blocks), keeps the messages of USB devices
 * (SUBSYSTEM=usb, DEVTYPE=usb_device: one per device, not one per interface), and builds
 * for each a record in the ring's wire format (struct vg_hdr of pid 0, the kernel, then
 * struct vg_usb, device_event.h), which enters the pipeline through the reader like a
 * ring record (vg_reader_inject: counted as received and as sourced). Messages that are
 * not the kernel's (a process can send on the socket too) are refused. */
#ifndef VIGIL_UEVENT_H
#define VIGIL_UEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "output/buf.h"

struct vg_reader;

struct vg_uevent {
	bool open;
	int fd;
	uint64_t received;  /* the kernel's uevents read */
	uint64_t usb;       /* of those, made into usb_device_event */
	uint64_t overflows; /* times the socket's buffer overflowed: at least that many uevents lost */
	uint64_t foreign;   /* messages refused: not from the kernel */
	const char *sysfs;  /* where DEVPATHs are ("/sys"; tests may point elsewhere) */
};

/* A socket bound to the kernel's uevent broadcast (nonblocking), or -1 with the reason. */
int vg_uevent_socket(char *why, size_t len);
/* -1 with errno when the socket cannot be had. */
int vg_uevent_open(struct vg_uevent *u);
/* Reads every waiting message; the USB ones go to the reader (NULL: nobody wants them
 * now, they are read and dropped so that the socket does not fill). */
void vg_uevent_poll(struct vg_uevent *u, struct vg_reader *r);
void vg_uevent_close(struct vg_uevent *u);

/* One uevent message (ACTION@DEVPATH, then NUL-separated KEY=VALUE) as a usb_device_event
 * record in out (cap bytes), stamped ts (CLOCK_BOOTTIME ns), with the device's strings
 * read under sysfs; its size, or 0 when the message is not a USB device's. */
size_t vg_uevent_usb_record(const char *msg, size_t len, const char *sysfs, uint64_t ts, void *out, size_t cap);

#endif

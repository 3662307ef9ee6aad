/* device_event.h — wire body of usb_device_event (src/reader/uevent.c -> src/decode/device.c):
 * a USB device added, removed, bound, unbound or changed, from the kernel's uevents. No
 * BPF program makes it: user space builds the record in the ring's format (struct vg_hdr
 * of no process, pid 0) from the uevent the kernel broadcasts, plus the device's sysfs
 * strings. */
#ifndef VIGIL_DEVICE_EVENT_H
#define VIGIL_DEVICE_EVENT_H

#include "vigil_event.h"

struct vg_usb {
	struct vg_str action;       /* add, remove, bind, unbind, change, ... */
	struct vg_str devpath;      /* /devices/pci0000:00/.../usb1/1-1 */
	struct vg_str devname;      /* bus/usb/001/002 (the node under /dev) */
	struct vg_str product;      /* sysfs strings, read at the event (gone after a remove) */
	struct vg_str manufacturer;
	struct vg_str serial;
	__u16 vendor_id;            /* PRODUCT=vendor/product/bcdDevice, hex */
	__u16 product_id;
	__u16 bcd_device;
	__u16 busnum;
	__u16 devnum;
	__u8 dev_class;             /* TYPE=class/subclass/protocol */
	__u8 pad;
	__u64 seqnum;               /* the kernel's uevent sequence number */
};

#endif

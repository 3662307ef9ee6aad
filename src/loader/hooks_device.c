/* hooks_device.c — devices: usb_device_event comes from the kernel's uevents, read in user
 * space (src/reader/uevent.c), with no BPF program. */
#include "loader/hooks.h"
#include "vigil_event.h"

static const struct vg_hook hooks[] = {
	{ VG_EV_USB, "USB devices added, removed, bound (kernel uevents over NETLINK_KOBJECT_UEVENT, no BPF)", false,
	  { { VG_MECH_NETLINK, NULL, { 0 } } } },
};

const struct vg_hook_table vg_hooks_device = { hooks, sizeof(hooks) / sizeof(hooks[0]) };

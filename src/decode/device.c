/* decode/device.c — usb_device_event: a USB device's uevent (src/reader/uevent.c). */
#include "decode/decode.h"
#include "device_event.h"

enum {
	F_ACTION, F_DEVPATH, F_DEVNAME, F_VENDOR_ID, F_PRODUCT_ID, F_BCD, F_PRODUCT, F_MANUFACTURER, F_SERIAL,
	F_BUSNUM, F_DEVNUM, F_CLASS, F_SEQNUM, F_COUNT
};

static const struct vg_field fields[F_COUNT] = {
	[F_ACTION] = { "usb.action", VG_V_STR, "add, remove, bind, unbind or change" },
	[F_DEVPATH] = { "usb.devpath", VG_V_STR, "the device's sysfs path, e.g. /devices/pci0000:00/0000:00:14.0/usb1/1-2" },
	[F_DEVNAME] = { "usb.devname", VG_V_STR, "its node under /dev, e.g. bus/usb/001/002" },
	[F_VENDOR_ID] = { "usb.vendor_id", VG_V_INT, "USB vendor id (idVendor), e.g. 1133 (0x046d)" },
	[F_PRODUCT_ID] = { "usb.product_id", VG_V_INT, "USB product id (idProduct)" },
	[F_BCD] = { "usb.bcd_device", VG_V_INT, "device release number (bcdDevice)" },
	[F_PRODUCT] = { "usb.product", VG_V_STR, "the product string the device reports (sysfs)" },
	[F_MANUFACTURER] = { "usb.manufacturer", VG_V_STR, "the manufacturer string (sysfs)" },
	[F_SERIAL] = { "usb.serial", VG_V_STR, "the serial number string (sysfs)" },
	[F_BUSNUM] = { "usb.busnum", VG_V_INT, "bus number" },
	[F_DEVNUM] = { "usb.devnum", VG_V_INT, "device number on the bus" },
	[F_CLASS] = { "usb.class", VG_V_INT, "device class (bDeviceClass; 0: per interface, 8: mass storage, 3: HID)" },
	[F_SEQNUM] = { "usb.seqnum", VG_V_INT, "the kernel's uevent sequence number" },
};

static int decode_usb(struct vg_event *ev, struct vg_proctable *pt, const void *body)
{
	const struct vg_usb *u = body;

	vg_add_raw_str(ev, &fields[F_ACTION], u->action);
	vg_add_raw_str(ev, &fields[F_DEVPATH], u->devpath);
	vg_add_raw_str(ev, &fields[F_DEVNAME], u->devname);
	vg_event_add_int(ev, &fields[F_VENDOR_ID], u->vendor_id);
	vg_event_add_int(ev, &fields[F_PRODUCT_ID], u->product_id);
	vg_event_add_int(ev, &fields[F_BCD], u->bcd_device);
	vg_add_raw_str(ev, &fields[F_PRODUCT], u->product);
	vg_add_raw_str(ev, &fields[F_MANUFACTURER], u->manufacturer);
	vg_add_raw_str(ev, &fields[F_SERIAL], u->serial);
	vg_event_add_int(ev, &fields[F_BUSNUM], u->busnum);
	vg_event_add_int(ev, &fields[F_DEVNUM], u->devnum);
	vg_event_add_int(ev, &fields[F_CLASS], u->dev_class);
	vg_event_add_int(ev, &fields[F_SEQNUM], (int64_t)u->seqnum);
	return 0;
}

static const struct vg_decoder_entry decoders[] = {
	{ VG_EV_USB, sizeof(struct vg_usb), decode_usb },
};

const struct vg_domain vg_domain_device = {
	"device", fields, F_COUNT, decoders, sizeof(decoders) / sizeof(decoders[0]),
};

/* test_uevent.c — usb_device_event from uevent messages laid out as the kernel sends them
 * (ACTION@DEVPATH, then NUL-separated KEY=VALUE): a USB device's add becomes a record
 * with its ids and its sysfs strings (from a fixture tree), which decodes to the usb.*
 * fields; a remove has no sysfs strings; interfaces, other subsystems and udev's own
 * messages make no record. (This VM has no USB bus, so the e2e test can only show that
 * the agent hears the kernel's uevents.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "decode/decode.h"
#include "decode_util.h"
#include "device_event.h"
#include "reader/uevent.h"

#define DEVPATH "/devices/pci0000:00/0000:00:14.0/usb1/1-2"

static const char usb_add[] = "add@" DEVPATH "\0ACTION=add\0DEVPATH=" DEVPATH "\0SUBSYSTEM=usb\0MAJOR=189\0"
			      "MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=46d/c52b/1211\0"
			      "TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=4242";
static const char usb_remove[] = "remove@" DEVPATH "\0ACTION=remove\0DEVPATH=" DEVPATH "\0SUBSYSTEM=usb\0"
				 "DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=781/5567/100\0TYPE=8/6/80\0"
				 "BUSNUM=001\0DEVNUM=002\0SEQNUM=4243";
static const char usb_interface[] = "add@" DEVPATH "/1-2:1.0\0ACTION=add\0DEVPATH=" DEVPATH "/1-2:1.0\0"
				    "SUBSYSTEM=usb\0DEVTYPE=usb_interface\0PRODUCT=46d/c52b/1211\0SEQNUM=4244";
static const char mem_change[] = "change@/devices/virtual/mem/null\0ACTION=change\0DEVPATH=/devices/virtual/mem/null\0"
				 "SUBSYSTEM=mem\0DEVNAME=null\0SEQNUM=4245";
static const char udev_message[] = "libudev\0ACTION=add\0DEVPATH=" DEVPATH "\0SUBSYSTEM=usb\0DEVTYPE=usb_device";

static char sysfs[256];
static char rec[8192];

static void write_attr(const char *name, const char *value)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s/%s", sysfs, DEVPATH, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(value, f);
	fclose(f);
}

static int make_sysfs(void **state)
{
	char cmd[512];

	snprintf(sysfs, sizeof(sysfs), "/tmp/vigil-uevent-XXXXXX");
	assert_non_null(mkdtemp(sysfs));
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s%s'", sysfs, DEVPATH);
	assert_int_equal(system(cmd), 0);
	write_attr("product", "USB Receiver\n");
	write_attr("manufacturer", "Logitech\n");
	write_attr("serial", "ABC123\n");
	return 0;
}

static int remove_sysfs(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysfs);
	return system(cmd);
}

static size_t record(const char *msg, size_t len)
{
	return vg_uevent_usb_record(msg, len, sysfs, 123456789, rec, sizeof(rec));
}

static void test_usb_device_add_decodes_with_ids_and_sysfs_strings(void **state)
{
	size_t size = record(usb_add, sizeof(usb_add));
	const struct vg_hdr *h = (const struct vg_hdr *)rec;

	assert_true(size > sizeof(struct vg_hdr) + sizeof(struct vg_usb));
	assert_int_equal(h->size, size);
	assert_int_equal(h->type, VG_EV_USB);
	assert_int_equal(h->pid, 0);
	assert_int_equal(h->ts, 123456789);
	decode(rec);
	assert_string_equal(str("usb.action"), "add");
	assert_string_equal(str("usb.devpath"), DEVPATH);
	assert_string_equal(str("usb.devname"), "bus/usb/001/002");
	assert_int_equal(num("usb.vendor_id"), 0x46d);
	assert_int_equal(num("usb.product_id"), 0xc52b);
	assert_int_equal(num("usb.bcd_device"), 0x1211);
	assert_string_equal(str("usb.product"), "USB Receiver");
	assert_string_equal(str("usb.manufacturer"), "Logitech");
	assert_string_equal(str("usb.serial"), "ABC123");
	assert_int_equal(num("usb.busnum"), 1);
	assert_int_equal(num("usb.devnum"), 2);
	assert_int_equal(num("usb.class"), 0);
	assert_int_equal(num("usb.seqnum"), 4242);
}

static void test_usb_device_remove_has_no_sysfs_strings(void **state)
{
	assert_true(record(usb_remove, sizeof(usb_remove)) > 0);
	decode(rec);
	assert_string_equal(str("usb.action"), "remove");
	assert_int_equal(num("usb.vendor_id"), 0x781);
	assert_int_equal(num("usb.class"), 8);
	assert_null(str("usb.product"));
	assert_null(str("usb.serial"));
}

static void test_interfaces_other_subsystems_and_udev_make_no_record(void **state)
{
	assert_int_equal(record(usb_interface, sizeof(usb_interface)), 0);
	assert_int_equal(record(mem_change, sizeof(mem_change)), 0);
	assert_int_equal(record(udev_message, sizeof(udev_message)), 0);
	assert_int_equal(record(usb_add, 40), 0); /* cut before SUBSYSTEM */
}

static void test_a_record_too_small_for_the_buffer_is_refused(void **state)
{
	assert_int_equal(vg_uevent_usb_record(usb_add, sizeof(usb_add), sysfs, 0, rec, 16), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usb_device_add_decodes_with_ids_and_sysfs_strings),
		cmocka_unit_test(test_usb_device_remove_has_no_sysfs_strings),
		cmocka_unit_test(test_interfaces_other_subsystems_and_udev_make_no_record),
		cmocka_unit_test(test_a_record_too_small_for_the_buffer_is_refused),
	};
	int rc;

	pt = vg_proctable_new(64);
	vg_proctable_offline(pt); /* pid 0 is not looked up in /proc */
	rc = cmocka_run_group_tests(tests, make_sysfs, remove_sysfs);
	vg_proctable_free(pt);
	return rc;
}

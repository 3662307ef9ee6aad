/* uevent.c — usb_device_event from the kernel's uevents (see uevent.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include "clock.h"
#include "device_event.h"
#include "reader/reader.h"
#include "reader/uevent.h"

#define UEVENT_GROUP_KERNEL 1 /* the kernel's broadcast; udev rebroadcasts on 2 */
#define MSG_MAX 8192          /* a uevent's environment is at most 2 KiB (UEVENT_BUFFER_SIZE) */
#define SYSFS_STR_MAX 256

int vg_uevent_socket(char *why, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = UEVENT_GROUP_KERNEL };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);

	if (fd < 0) {
		snprintf(why, len, "no NETLINK_KOBJECT_UEVENT socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(why, len, "cannot join the kernel's uevent group: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int vg_uevent_open(struct vg_uevent *u)
{
	char why[128];
	int size = 1 << 20; /* a burst of devices (a hub) must not overflow it */

	memset(u, 0, sizeof(*u));
	u->sysfs = "/sys";
	if ((u->fd = vg_uevent_socket(why, sizeof(why))) < 0)
		return -1;
	u->open = true;
	if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

/* The value of KEY= in the message's environment, or NULL. */
static const char *env(const char *msg, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = msg, *end = msg + len; p < end; p += strnlen(p, (size_t)(end - p)) + 1)
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
			return p + klen + 1;
	return NULL;
}

struct rec {
	char *p;
	size_t size, cap;
};

/* Appends n bytes as string s of the record (nothing when there is no room). */
static void put(struct rec *r, struct vg_str *s, const char *p, size_t n)
{
	if (!p || !n || r->size + n > r->cap || r->size + n > 0xffff)
		return;
	memcpy(r->p + r->size, p, n);
	s->off = (__u16)r->size;
	s->len = (__u16)n;
	r->size += n;
}

static void put_cstr(struct rec *r, struct vg_str *s, const char *p)
{
	put(r, s, p, p ? strnlen(p, SYSFS_STR_MAX) : 0);
}

/* A sysfs attribute of the device, without its newline. */
static void put_sysfs(struct rec *r, struct vg_str *s, const char *sysfs, const char *devpath, const char *attr)
{
	char path[4096], value[SYSFS_STR_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s%s/%s", sysfs, devpath, attr);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, value, sizeof(value));
	close(fd);
	while (n > 0 && (value[n - 1] == '\n' || value[n - 1] == 0))
		n--;
	if (n > 0)
		put(r, s, value, (size_t)n);
}

size_t vg_uevent_usb_record(const char *msg, size_t len, const char *sysfs, uint64_t ts, void *out, size_t cap)
{
	struct vg_hdr *h = out;
	struct vg_usb *u = (struct vg_usb *)(h + 1);
	struct rec r = { out, sizeof(*h) + sizeof(*u), cap };
	const char *subsystem = env(msg, len, "SUBSYSTEM"), *devtype = env(msg, len, "DEVTYPE");
	const char *action = env(msg, len, "ACTION"), *devpath = env(msg, len, "DEVPATH"), *v;
	unsigned vendor = 0, product = 0, bcd = 0, cls = 0;

	if (!memchr(msg, '@', strnlen(msg, len)) || !subsystem || !devtype || !action || !devpath ||
	    strcmp(subsystem, "usb") != 0 || strcmp(devtype, "usb_device") != 0 || cap < r.size)
		return 0;
	memset(out, 0, r.size);
	h->type = VG_EV_USB;
	h->ts = ts;
	memcpy(h->comm, "kernel", sizeof("kernel"));
	put_cstr(&r, &u->action, action);
	put_cstr(&r, &u->devpath, devpath);
	put_cstr(&r, &u->devname, env(msg, len, "DEVNAME"));
	if ((v = env(msg, len, "PRODUCT")) && sscanf(v, "%x/%x/%x", &vendor, &product, &bcd) >= 2) {
		u->vendor_id = (__u16)vendor;
		u->product_id = (__u16)product;
		u->bcd_device = (__u16)bcd;
	}
	if ((v = env(msg, len, "TYPE")) && sscanf(v, "%u/", &cls) == 1)
		u->dev_class = (__u8)cls;
	u->busnum = (__u16)((v = env(msg, len, "BUSNUM")) ? strtoul(v, NULL, 10) : 0);
	u->devnum = (__u16)((v = env(msg, len, "DEVNUM")) ? strtoul(v, NULL, 10) : 0);
	u->seqnum = (v = env(msg, len, "SEQNUM")) ? strtoull(v, NULL, 10) : 0;
	if (strcmp(action, "remove") != 0) { /* gone with the device */
		put_sysfs(&r, &u->product, sysfs, devpath, "product");
		put_sysfs(&r, &u->manufacturer, sysfs, devpath, "manufacturer");
		put_sysfs(&r, &u->serial, sysfs, devpath, "serial");
	}
	h->size = (__u32)r.size;
	return r.size;
}

void vg_uevent_poll(struct vg_uevent *u, struct vg_reader *reader)
{
	char msg[MSG_MAX], rec[sizeof(struct vg_hdr) + sizeof(struct vg_usb) + 4 * 4096];

	while (u->open) {
		struct sockaddr_nl from = { 0 };
		struct iovec iov = { msg, sizeof(msg) - 1 };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(u->fd, &mh, 0);
		size_t size;

		if (n < 0 && errno == ENOBUFS) {
			u->overflows++;
			fputs("vigil: the uevent socket overflowed: USB device events were lost\n", stderr);
			continue;
		}
		if (n < 0)
			return; /* EAGAIN: nothing more now */
		if (from.nl_pid != 0) { /* only the kernel speaks for the kernel */
			u->foreign++;
			continue;
		}
		msg[n] = 0;
		u->received++;
		if (!reader)
			continue;
		size = vg_uevent_usb_record(msg, (size_t)n, u->sysfs, vg_now_boot_ns(), rec, sizeof(rec));
		if (size && vg_reader_inject(reader, rec, size) == 0)
			u->usb++;
	}
}

void vg_uevent_close(struct vg_uevent *u)
{
	if (u->open)
		close(u->fd);
	u->open = false;
}

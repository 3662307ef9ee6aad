/* host.c — the host's name, id and boot id (host.h), read once. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "host.h"

static char name[256], id[64], boot[64];
static bool ready;

/* The first line of path into out, without its newline; false when unreadable or empty. */
static bool read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(out, (int)len, f) != NULL;
	fclose(f);
	out[strcspn(out, "\r\n")] = 0;
	return ok && out[0];
}

static void init(void)
{
	if (ready)
		return;
	ready = true;
	if (!name[0] && gethostname(name, sizeof(name) - 1) != 0)
		snprintf(name, sizeof(name), "unknown");
	if (!id[0] && !read_line("/etc/machine-id", id, sizeof(id)) &&
	    !read_line("/var/lib/dbus/machine-id", id, sizeof(id)))
		snprintf(id, sizeof(id), "%s", name);
	if (!read_line("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)))
		snprintf(boot, sizeof(boot), "unknown");
}

void vg_host_set(const char *host_name, const char *host_id)
{
	if (host_name && host_name[0])
		snprintf(name, sizeof(name), "%s", host_name);
	if (host_id && host_id[0])
		snprintf(id, sizeof(id), "%s", host_id);
	ready = false;
	init();
}

const char *vg_host_name(void)
{
	init();
	return name;
}

const char *vg_host_id(void)
{
	init();
	return id;
}

const char *vg_boot_id(void)
{
	init();
	return boot;
}

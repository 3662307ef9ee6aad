/* container.c — attributes a cgroup path to a container (see container.h).
 * Runtimes name each container's cgroup after the container, in a shape that depends on
 * the runtime and the cgroup driver: the systemd driver makes a transient unit
 * (docker-<id>.scope), the cgroupfs driver a directory named by the bare id under the
 * runtime's own directory (/docker/<id>). Names are examined from the deepest up, so
 * cgroups a container makes inside its own (.../libpod-<id>.scope/container,
 * .../payload/system.slice/cron.service) belong to it, and a container nested in another
 * (docker inside an LXC or nspawn machine) is attributed to the inner one.
 */
#include <string.h>
#include "proc/container.h"

#define ID_MAX 64

/* One '/'-separated name in a cgroup path; len 0 when there is none. */
struct name {
	const char *s;
	size_t len;
};

enum id_kind {
	ID_HEX64,     /* docker, containerd, cri-o and podman ids: 64 lowercase hex digits */
	ID_UNIT_NAME, /* a systemd unit name part: "\x2d" and friends are unescaped */
	ID_NAME,      /* any non-empty name */
};

/* Cgroup names that carry the id between a fixed prefix and suffix. The runtimes' helper
 * processes (libpod-conmon-<id>.scope, crio-conmon-<id>.scope) run on the host and fall
 * through here because "conmon-<id>" is not an id. */
static const struct named_layout {
	const char *prefix, *suffix, *runtime;
	enum id_kind kind;
} named_layouts[] = {
	/* systemd driver */
	{ "docker-", ".scope", "docker", ID_HEX64 },
	{ "cri-containerd-", ".scope", "containerd", ID_HEX64 },
	{ "nerdctl-", ".scope", "containerd", ID_HEX64 },
	{ "crio-", ".scope", "cri-o", ID_HEX64 },
	{ "libpod-", ".scope", "podman", ID_HEX64 },
	{ "systemd-nspawn@", ".service", "systemd-nspawn", ID_UNIT_NAME },
	{ "machine-", ".scope", "systemd-nspawn", ID_UNIT_NAME },
	/* cgroupfs driver, and LXC 4+ (lxc.payload.<name>; lxc.monitor.<name> is the host) */
	{ "crio-", "", "cri-o", ID_HEX64 },
	{ "libpod-", "", "podman", ID_HEX64 },
	{ "lxc.payload.", "", "lxc", ID_NAME },
};

/* cgroupfs driver: the id alone, under the runtime's directory. */
static const struct parent_layout {
	const char *parent, *runtime;
	enum id_kind kind;
} parent_layouts[] = {
	{ "docker", "docker", ID_HEX64 },
	{ "crio", "cri-o", ID_HEX64 },
	{ "lxc", "lxc", ID_NAME },
};

/* The last name in [path, end), skipping trailing slashes. */
static struct name last_name(const char *path, const char *end)
{
	const char *start;

	while (end > path && end[-1] == '/')
		end--;
	start = end;
	while (start > path && start[-1] != '/')
		start--;
	return (struct name){ start, (size_t)(end - start) };
}

static bool name_is(struct name n, const char *s)
{
	return n.len == strlen(s) && memcmp(n.s, s, n.len) == 0;
}

static bool has_prefix(struct name n, const char *prefix)
{
	size_t len = strlen(prefix);

	return n.len >= len && memcmp(n.s, prefix, len) == 0;
}

/* The part of n between prefix and suffix, or len 0 when n does not have that shape. */
static struct name between(struct name n, const char *prefix, const char *suffix)
{
	size_t pre = strlen(prefix), suf = strlen(suffix);

	if (n.len <= pre + suf || !has_prefix(n, prefix) ||
	    memcmp(n.s + n.len - suf, suffix, suf) != 0)
		return (struct name){ n.s, 0 };
	return (struct name){ n.s + pre, n.len - pre - suf };
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Copies n into id as an id of this kind; false when n is not one. */
static bool take_id(struct name n, enum id_kind kind, char id[ID_MAX + 1])
{
	size_t out = 0;

	if (n.len == 0)
		return false;
	if (kind == ID_HEX64) {
		if (n.len != 64)
			return false;
		for (size_t i = 0; i < n.len; i++)
			if (hex_value(n.s[i]) < 0)
				return false;
	}
	for (size_t i = 0; i < n.len && out < ID_MAX; i++) {
		int hi, lo;

		if (kind == ID_UNIT_NAME && n.s[i] == '\\' && i + 3 < n.len && n.s[i + 1] == 'x' &&
		    (hi = hex_value(n.s[i + 2])) >= 0 && (lo = hex_value(n.s[i + 3])) >= 0 &&
		    (hi | lo)) {
			id[out++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			id[out++] = n.s[i];
		}
	}
	id[out] = '\0';
	return true;
}

/* Cgroups shaped like a container's that hold something else: systemd-nspawn's own
 * process sits in "supervisor" next to the container's "payload", and libvirt registers
 * its qemu VMs with machined as machine-qemu-<n>-<vm>.scope, but qemu is a host process. */
static bool is_host_side(const struct named_layout *l, const char *id, struct name child)
{
	if (strcmp(l->prefix, "systemd-nspawn@") == 0)
		return name_is(child, "supervisor");
	if (strcmp(l->prefix, "machine-") == 0)
		return strncmp(id, "qemu-", 5) == 0;
	return false;
}

/* Kubernetes with the cgroupfs driver: /kubepods[/<qos>]/pod<uid>/<id>. */
static bool under_kubepods(const char *path, struct name n)
{
	for (n = last_name(path, n.s); n.len; n = last_name(path, n.s))
		if (has_prefix(n, "kubepods"))
			return true;
	return false;
}

/* The runtime whose container cgroup cur is (filling id), or NULL. */
static const char *classify(const char *path, struct name parent, struct name cur,
			    struct name child, char id[ID_MAX + 1])
{
	for (size_t i = 0; i < sizeof(named_layouts) / sizeof(named_layouts[0]); i++) {
		const struct named_layout *l = &named_layouts[i];

		if (take_id(between(cur, l->prefix, l->suffix), l->kind, id) &&
		    !is_host_side(l, id, child))
			return l->runtime;
	}
	for (size_t i = 0; i < sizeof(parent_layouts) / sizeof(parent_layouts[0]); i++) {
		const struct parent_layout *l = &parent_layouts[i];

		if (name_is(parent, l->parent) && take_id(cur, l->kind, id))
			return l->runtime;
	}
	/* Kubelet's cgroupfs driver does not say which runtime; containerd is the default. */
	if (under_kubepods(path, cur) && take_id(cur, ID_HEX64, id))
		return "containerd";
	return NULL;
}

bool vg_container_from_cgroup(const char *cgroup_path, char id[ID_MAX + 1],
			      const char **runtime)
{
	struct name child = { "", 0 }, cur, parent;
	const char *found = NULL;

	if (cgroup_path) {
		cur = last_name(cgroup_path, cgroup_path + strlen(cgroup_path));
		for (; cur.len && !found; child = cur, cur = parent) {
			parent = last_name(cgroup_path, cur.s);
			found = classify(cgroup_path, parent, cur, child, id);
		}
	}
	if (!found)
		id[0] = '\0';
	if (runtime)
		*runtime = found;
	return found != NULL;
}

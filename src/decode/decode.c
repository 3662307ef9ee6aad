/* decode.c — record validation, dispatch to the domain decoders, the shared header
 * refresh of the process table, and the helpers decoders use to read variable data. */
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "decode/decode.h"
#include "proc/procfs.h"

static const struct vg_domain *const domains[] = {
	&vg_domain_proc,
	&vg_domain_net,
	&vg_domain_file,
	&vg_domain_priv,
	&vg_domain_shell,
	&vg_domain_device,
	&vg_domain_agent,
	&vg_domain_uring,
	&vg_domain_integrity,
};

#define NDOMAINS (sizeof(domains) / sizeof(domains[0]))

static const struct vg_decoder_entry *by_type[VG_EV__COUNT];

static void index_decoders(void)
{
	static bool done;

	if (done)
		return;
	for (size_t d = 0; d < NDOMAINS; d++)
		for (size_t i = 0; i < domains[d]->ndecoders; i++)
			by_type[domains[d]->decoders[i].type] = &domains[d]->decoders[i];
	done = true;
}

const struct vg_field *vg_field_at(size_t i)
{
	for (size_t d = 0; d < NDOMAINS; d++) {
		if (i < domains[d]->nfields)
			return &domains[d]->fields[i];
		i -= domains[d]->nfields;
	}
	return NULL;
}

const struct vg_field *vg_field_find(const char *name)
{
	for (size_t d = 0; d < NDOMAINS; d++)
		for (size_t i = 0; i < domains[d]->nfields; i++)
			if (strcmp(domains[d]->fields[i].name, name) == 0)
				return &domains[d]->fields[i];
	return NULL;
}

/* Header facts that can change during a process's life: credentials, parent (reparenting),
 * name (prctl), namespaces (setns/unshare). */
static void refresh(struct vg_proc *p, const struct vg_hdr *h)
{
	p->uid = h->uid;
	p->euid = h->euid;
	p->gid = h->gid;
	p->egid = h->egid;
	p->auid = h->auid;
	if (h->ppid && h->ppid != (uint32_t)p->pid)
		p->ppid = (pid_t)h->ppid;
	memcpy(p->comm, h->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = 0;
	if (h->pidns && (h->pidns != p->container.pidns || h->mntns != p->container.mntns ||
			 h->netns != p->container.netns)) {
		char cgroup[sizeof(p->container.cgroup)];

		memcpy(cgroup, p->container.cgroup, sizeof(cgroup));
		vg_proc_set_container(p, cgroup, h->pidns, h->mntns, h->netns);
	}
}

int vg_decode(struct vg_proctable *pt, const void *data, size_t size, struct vg_event *ev)
{
	const struct vg_hdr *h = data;
	const struct vg_decoder_entry *d;

	index_decoders();
	if (size < sizeof(*h) || h->size > size || h->size < sizeof(*h) || h->type >= VG_EV__COUNT)
		return -1;
	d = by_type[h->type];
	if (!d || h->size < sizeof(*h) + d->body_size)
		return -1;
	ev->raw = h;
	ev->type = h->type;
	ev->ts_ns = vg_boot_to_wall(h->ts);
	ev->nfields = 0;
	ev->arena_used = 0;
	ev->pt = pt;
	ev->ancestors = NULL;
	ev->nancestors = 0;
	vg_proctable_pin(pt, (pid_t)h->pid);
	ev->proc = vg_proctable_ensure(pt, (pid_t)h->pid);
	refresh(ev->proc, h);
	return d->decode(ev, pt, h + 1);
}

bool vg_raw_bytes(const struct vg_event *ev, struct vg_str s, const char **p, size_t *len)
{
	if (s.len == 0 || (size_t)s.off + s.len > ev->raw->size || s.off < sizeof(struct vg_hdr))
		return false;
	*p = (const char *)ev->raw + s.off;
	*len = s.len;
	return true;
}

void vg_add_raw_str(struct vg_event *ev, const struct vg_field *f, struct vg_str s)
{
	const char *p;
	size_t len;

	if (vg_raw_bytes(ev, s, &p, &len))
		vg_event_add_str(ev, f, p, len);
}

bool vg_path_cut(const struct vg_event *ev, struct vg_str s, bool kernel_flag)
{
	const char *p;
	size_t len;

	/* reversed, a path has the same length as sent */
	return vg_raw_bytes(ev, s, &p, &len) && p[0] &&
	       (len > VG_PATH_MAX || (kernel_flag && (ev->raw->flags & VG_F_PATH_TRUNC)));
}

/* The path s holds, root first, into out (VG_PATH_MAX bytes at most); false when none. */
static bool unwalk(const struct vg_event *ev, struct vg_str s, bool kernel_flag, char *out, size_t *out_len)
{
	size_t n = 0, len, room;
	const char *p;
	bool cut;

	if (!vg_raw_bytes(ev, s, &p, &len) || p[0] == 0)
		return false;
	/* past VG_PATH_MAX, root-most components go (they are at the end of p), as the kernel
	 * drops them past VG_PATH_DEPTH */
	cut = len > VG_PATH_MAX || (kernel_flag && (ev->raw->flags & VG_F_PATH_TRUNC));
	room = cut ? VG_PATH_MAX - (sizeof(VG_PATH_CUT) - 1) : VG_PATH_MAX;
	while (len > room) {
		while (len > 0 && p[len - 1] == '/')
			len--;
		while (len > 0 && p[len - 1] != '/')
			len--;
	}
	if (len == 0 && cut)
		return false; /* one component longer than a path: no kernel sends that */
	if (cut) {
		memcpy(out, VG_PATH_CUT, sizeof(VG_PATH_CUT) - 1);
		n = sizeof(VG_PATH_CUT) - 1;
	}
	/* components arrive leaf first, each followed by '/': emit them root first */
	while (len > 0) {
		size_t end = len - 1, start = end; /* p[end] is the '/' closing the last component */

		while (start > 0 && p[start - 1] != '/')
			start--;
		out[n++] = '/';
		memcpy(out + n, p + start, end - start);
		n += end - start;
		len = start;
	}
	if (n == 0)
		out[n++] = '/';
	*out_len = n;
	return true;
}

const char *vg_add_path(struct vg_event *ev, const struct vg_field *f, struct vg_str s, bool kernel_flag,
			size_t *out_len)
{
	char path[VG_PATH_MAX + 1];
	const char *kept;
	size_t n;

	if (!unwalk(ev, s, kernel_flag, path, &n))
		return NULL;
	kept = vg_event_keep(ev, path, n);
	if (kept && f)
		vg_event_add_str(ev, f, kept, n);
	if (out_len)
		*out_len = n;
	return kept;
}

/* Cleans an absolute path in place: empty and "." components go, ".." drops the one
 * before it (never above "/"). Lexical, like realpath without the symlinks. */
static size_t clean_path(char *p, size_t len)
{
	size_t out = 0, i = 0;

	while (i < len) {
		size_t start, clen;

		while (i < len && p[i] == '/')
			i++;
		start = i;
		while (i < len && p[i] != '/')
			i++;
		clen = i - start;
		if (clen == 0 || (clen == 1 && p[start] == '.'))
			continue;
		if (clen == 2 && p[start] == '.' && p[start + 1] == '.') {
			while (out > 0 && p[--out] != '/')
				;
			continue;
		}
		p[out++] = '/';
		memmove(p + out, p + start, clen);
		out += clen;
	}
	if (out == 0)
		p[out++] = '/';
	return out;
}

const char *vg_upath_join(struct vg_event *ev, const struct vg_upath *u, size_t *out_len)
{
	char path[2 * VG_PATH_MAX + 2];
	const char *name = "", *kept;
	size_t nlen = 0, n = 0, root;

	vg_raw_bytes(ev, u->name, &name, &nlen);
	if (nlen > VG_PATH_MAX)
		return NULL; /* it would not fit beside the directory */
	if (nlen == 0 || name[0] != '/') {
		bool dir = unwalk(ev, u->dir, true, path, &n); /* at most VG_PATH_MAX */

		if (!dir && nlen == 0)
			return NULL;
		if (nlen && n)
			path[n++] = '/';
	}
	memcpy(path + n, name, nlen);
	n += nlen;
	/* a cut directory is cleaned after its marker: ".." cannot climb out of what is known */
	root = n >= sizeof(VG_PATH_CUT) && memcmp(path, VG_PATH_CUT "/", sizeof(VG_PATH_CUT)) == 0 ?
	       sizeof(VG_PATH_CUT) - 1 : 0;
	if (n > root && path[root] == '/')
		n = root + clean_path(path + root, n - root);
	kept = vg_event_keep(ev, path, n);
	if (kept && out_len)
		*out_len = n;
	return kept;
}

int vg_add_upath(struct vg_event *ev, const struct vg_field *path, const struct vg_field *name,
		 const struct vg_upath *u)
{
	const char *joined, *given;
	size_t len, glen;

	if (u->name.len > VG_PATH_MAX)
		return -1;
	if ((joined = vg_upath_join(ev, u, &len)))
		vg_event_add_str(ev, path, joined, len);
	if (vg_raw_bytes(ev, u->name, &given, &glen))
		vg_event_add_str(ev, name, given, glen);
	return 0;
}

bool vg_sockaddr_ip(const struct vg_sockaddr *sa, struct vg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (sa->family == VG_AF_INET) {
		ip->family = 4;
		memcpy(ip->addr, sa->addr, 4);
	} else if (sa->family == VG_AF_INET6) {
		ip->family = 6;
		memcpy(ip->addr, sa->addr, 16);
	} else {
		return false;
	}
	return true;
}

void vg_add_ip(struct vg_event *ev, const struct vg_field *f, const struct vg_sockaddr *sa)
{
	struct vg_value v = { .type = VG_V_IP };

	if (vg_sockaddr_ip(sa, &v.ip))
		vg_event_add(ev, f, v);
}

const char *vg_ip_proto_name(unsigned proto)
{
	switch (proto) {
#define VG_PROTO_NAME(NAME, value, name) case value: return name;
		VG_IP_PROTOCOLS(VG_PROTO_NAME)
#undef VG_PROTO_NAME
	}
	return "other";
}

const char *vg_family_name(unsigned family)
{
	switch (family) {
#define VG_AF_NAME(NAME, value, name) case value: return name;
		VG_ADDRESS_FAMILIES(VG_AF_NAME)
#undef VG_AF_NAME
	}
	return NULL;
}

/* Appends s to buf (of size cap, at *n), as far as it fits; false when it did not. */
static bool put_name(char *buf, size_t cap, size_t *n, const char *s, size_t len)
{
	size_t room = cap - *n;

	memcpy(buf + *n, s, len < room ? len : room);
	*n += len < room ? len : room;
	return len < room;
}

void vg_add_flag_names(struct vg_event *ev, const struct vg_field *f, unsigned long long v,
		       const struct vg_flag_name *names, const char *prefix)
{
	static const char hex[] = "0123456789abcdef";
	char buf[512], rest[2 + 16];
	size_t n = 0, nrest = 0;
	const char *kept;
	bool fits = !prefix || put_name(buf, sizeof(buf), &n, prefix, strlen(prefix));

	for (const struct vg_flag_name *fl = names; fl->name && fits; fl++) {
		if (!fl->value || (v & fl->value) != fl->value)
			continue;
		v &= ~fl->value;
		fits = (!n || put_name(buf, sizeof(buf), &n, "|", 1)) && put_name(buf, sizeof(buf), &n, fl->name, strlen(fl->name));
	}
	if (v && fits) {
		rest[nrest++] = '0';
		rest[nrest++] = 'x';
		for (int shift = 60; shift >= 0; shift -= 4)
			if ((v >> shift) || shift == 0)
				rest[nrest++] = hex[(v >> shift) & 15];
		if (!n || put_name(buf, sizeof(buf), &n, "|", 1))
			put_name(buf, sizeof(buf), &n, rest, nrest);
	}
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (n && (kept = vg_event_keep(ev, buf, n)))
		vg_event_add_str(ev, f, kept, n);
}

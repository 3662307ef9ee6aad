/* decode.h — turns raw ring-buffer records into struct vg_event, table-driven.
 *
 * Each domain (decode/<domain>.c) exports a struct vg_domain: its field definitions and,
 * per event type, a decode function. Decoding validates every offset against the
 * record, keeps the process table current (exec, fork, exit, credential and namespace
 * changes) and attaches the process to the event. */
#ifndef VIGIL_DECODE_H
#define VIGIL_DECODE_H

#include <stddef.h>
#include "decode/fields.h"
#include "event.h"
#include "proc/proctable.h"

struct vg_decoder_entry {
	unsigned type;    /* enum vg_type */
	size_t body_size; /* the record must hold at least the header and this */
	/* Adds the event's fields; may update the table. Returns -1 on a malformed body. */
	int (*decode)(struct vg_event *ev, struct vg_proctable *pt, const void *body);
};

struct vg_domain {
	const char *name;
	const struct vg_field *fields;
	size_t nfields;
	const struct vg_decoder_entry *decoders;
	size_t ndecoders;
};

/* The domains; decode.c lists them. */
extern const struct vg_domain vg_domain_proc;
extern const struct vg_domain vg_domain_net;
extern const struct vg_domain vg_domain_file;
extern const struct vg_domain vg_domain_priv;
extern const struct vg_domain vg_domain_shell;
extern const struct vg_domain vg_domain_device;
extern const struct vg_domain vg_domain_agent;
extern const struct vg_domain vg_domain_uring;
extern const struct vg_domain vg_domain_integrity;

/* Decodes size bytes at data into ev. -1 when the record is malformed (counted by the
 * caller) or of a type no domain decodes. */
int vg_decode(struct vg_proctable *pt, const void *data, size_t size, struct vg_event *ev);


/* ---- helpers for domain decoders ---- */

/* The bytes s points at, or false when they lie outside the record. */
bool vg_raw_bytes(const struct vg_event *ev, struct vg_str s, const char **p, size_t *len);
/* Adds s as a string field (nothing when empty or out of bounds). */
void vg_add_raw_str(struct vg_event *ev, const struct vg_field *f, struct vg_str s);
/* A path sent leaf-first ("c/b/a/") made into "/a/b/c" in the event's arena; adds it as
 * field f when f is non-NULL. Returns it (or NULL). A path that lost its root-most
 * components is shown as what is left after VG_PATH_CUT (".../b/c"), so that it is never
 * taken for an absolute path: when it is longer than VG_PATH_MAX, or when the record has
 * VG_F_PATH_TRUNC and kernel_flag says the flag speaks for this path (false in records
 * with several walked paths the one flag cannot tell apart: exec). */
const char *vg_add_path(struct vg_event *ev, const struct vg_field *f, struct vg_str s, bool kernel_flag,
			size_t *len);
#define VG_PATH_CUT "..."
/* Whether vg_add_path shows s cut (false when s holds no path). */
bool vg_path_cut(const struct vg_event *ev, struct vg_str s, bool kernel_flag);
struct vg_upath;
/* The path a struct vg_upath (vigil_event.h) names: the caller's string joined onto the
 * kernel's path of its dirfd or cwd when it is relative, cleaned lexically ("." and ".."
 * removed; a cut directory keeps its VG_PATH_CUT marker, and ".." cannot climb above it),
 * in the event's arena. NULL when there is neither, or when the name is longer than any
 * the kernel sends (VG_PATH_MAX). */
const char *vg_upath_join(struct vg_event *ev, const struct vg_upath *u, size_t *len);
/* u as two fields: path (absolute, vg_upath_join) and name (the caller's string). -1 when
 * the name is longer than any the kernel sends (VG_PATH_MAX): the record is malformed. */
int vg_add_upath(struct vg_event *ev, const struct vg_field *path, const struct vg_field *name,
		 const struct vg_upath *u);
/* An endpoint as an IP value (false when the family is not inet). */
bool vg_sockaddr_ip(const struct vg_sockaddr *sa, struct vg_ip *ip);
void vg_add_ip(struct vg_event *ev, const struct vg_field *f, const struct vg_sockaddr *sa);
/* "tcp", "udp", ... for an IPPROTO_* number ("other" when unknown). */
const char *vg_ip_proto_name(unsigned proto);
/* "CAP_SYS_ADMIN" for a capability number (NULL when unknown). */
const char *vg_cap_name(int cap);
/* "ipv4", "ipv6", "unix" for an AF_* number (NULL when unknown). */
const char *vg_family_name(unsigned family);

struct vg_flag_name {
	unsigned long long value;
	const char *name;
};

/* Adds f as "A|B|C" for the bits of v named in names (ended by a NULL name); unnamed bits
 * are shown in hex. Nothing when v is 0. */
void vg_add_flag_names(struct vg_event *ev, const struct vg_field *f, unsigned long long v,
		       const struct vg_flag_name *names, const char *prefix);

#endif

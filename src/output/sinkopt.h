/* sinkopt.h — a sink's options: "TARGET;key=value;key=value".
 *
 * Every sink type lists its options in one table (key, kind, where the value goes in the
 * sink's option struct, a line of doc); the same table parses `--sink` specs and sinks in
 * the config file, validates them for `vigil config check`, and prints them in --help. A
 * ';' cannot appear in a sink's target, so URLs keep their own '?' and ',' (NATS server
 * lists). */
#ifndef VIGIL_SINKOPT_H
#define VIGIL_SINKOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum vg_sinkopt_kind {
	VG_SO_STR,      /* char[len] */
	VG_SO_SIZE,     /* uint64_t bytes: 64K, 8M, 1G */
	VG_SO_DURATION, /* uint64_t ns: 250ms, 5s, 1h, 7d */
	VG_SO_UINT,     /* uint64_t */
	VG_SO_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
	VG_SO_ENUM,     /* int: the index in choices */
};

struct vg_sinkopt {
	const char *key;
	enum vg_sinkopt_kind kind;
	size_t offset; /* in the sink's option struct */
	size_t len;    /* VG_SO_STR: the buffer's size */
	const char *const *choices; /* VG_SO_ENUM: NULL-terminated */
	const char *doc;
};

#define VG_SINKOPT_END { NULL, 0, 0, 0, NULL, NULL }

/* Splits arg at its first ';' into target (copied into target[tlen]) and options, which
 * are applied onto dst (preset with the defaults). -1 with err set on an unknown key, a
 * bad value, a missing '=' or a target too long. */
int vg_sinkopt_parse(const struct vg_sinkopt *tab, void *dst, const char *arg, char *target, size_t tlen,
		     char *err, size_t errlen);
/* The same checks without a destination (vigil config check). */
int vg_sinkopt_check(const struct vg_sinkopt *tab, const char *arg, char *err, size_t errlen);
/* The row of key in tab, or NULL. */
const struct vg_sinkopt *vg_sinkopt_find(const struct vg_sinkopt *tab, const char *key);
/* One ";key=KIND  doc" line for --help, indented by indent spaces. */
void vg_sinkopt_usage(const struct vg_sinkopt *o, FILE *f, int indent);
/* The same as a Markdown table row (docs/outputs.md is generated from it). */
void vg_sinkopt_markdown(const struct vg_sinkopt *o, FILE *f);

#endif

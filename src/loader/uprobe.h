/* uprobe.h — attaching a uprobe to a user-space function by name: finding the ELF file
 * that defines it (the program itself, or the shared library it needs that does, e.g.
 * bash's readline, static in Debian's bash but libreadline.so elsewhere), then attaching.
 * Shared by the sensor's loader (the shell_command event) and the tools (bashreadline,
 * threadsnoop). */
#ifndef VIGIL_UPROBE_H
#define VIGIL_UPROBE_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_program;
struct bpf_link;

/* A function to probe: in binary (a program name looked up in the usual bin directories,
 * or a path; for a library, its file name or path), at entry or at return. */
struct vg_uprobe_target {
	const char *binary;
	const char *func;
	bool retprobe;
};

/* The file (absolute, symlinks resolved) that defines t->func. 0, or -1 with why. */
int vg_uprobe_resolve(const struct vg_uprobe_target *t, char *path, size_t len, char *why, size_t whylen);
/* Resolves and attaches prog to every process that runs the file. NULL with why. */
struct bpf_link *vg_uprobe_attach(struct bpf_program *prog, const struct vg_uprobe_target *t, char *why,
				  size_t whylen);

#endif

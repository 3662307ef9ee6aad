/* syscalls.h — x86-64 syscall numbers and names (build/syscall_names.h, generated from the
 * kernel's uapi header by the Makefile). */
#ifndef VIGIL_SYSCALLS_H
#define VIGIL_SYSCALLS_H

/* "openat" for 257; NULL for a number the table does not know. */
const char *vg_syscall_name(unsigned nr);
/* 257 for "openat"; -1 when unknown. */
int vg_syscall_number(const char *name);
/* The name of a tracker's syscall counter (bpf/track_event.h): "read", "ia32" for
 * VG_TRACK_NR_IA32, "nr_N" for a number this build's table does not know (kept in buf). */
const char *vg_track_syscall_name(unsigned nr, char buf[16]);

#endif

/* seccomp_event.h — what `vigil seccomp` (src/seccomp/record.c) and its BPF object
 * (bpf/seccomp.bpf.c) share: the ABIs a syscall can come through, and the bitmap of the
 * syscalls a target made. */
#ifndef VIGIL_SECCOMP_EVENT_H
#define VIGIL_SECCOMP_EVENT_H

#include "vigil_event.h"

/* X(ENUM, "name"): how a syscall entered the kernel. 32-bit (ia32) syscalls of a 64-bit
 * kernel have their own numbers and their own seccomp architecture, so they are recorded
 * apart (thread_info.status & TS_COMPAT during the call). */
#define VG_SECCOMP_ABIS(X) X(NATIVE, "native") X(COMPAT, "compat")

enum vg_seccomp_abi {
#define VG_SC_ABI_ENUM(e, name) VG_SC_ABI_##e,
	VG_SECCOMP_ABIS(VG_SC_ABI_ENUM)
#undef VG_SC_ABI_ENUM
	VG_SC_ABI__COUNT
};

/* Syscall numbers recorded per ABI: x86_64 and i386 both number below 500. */
#define VG_SECCOMP_NR_MAX 1024
#define VG_SECCOMP_WORDS (VG_SECCOMP_NR_MAX / 64)

/* The one value of vg_seccomp_seen: bit nr of bits[abi] is set once the target made
 * syscall nr through that ABI. */
struct vg_seccomp_seen {
	__u64 bits[VG_SC_ABI__COUNT][VG_SECCOMP_WORDS];
	__u64 out_of_range;  /* syscalls numbered VG_SECCOMP_NR_MAX or more (none exist today) */
	__u64 unfollowed;    /* new processes of the target the pid table had no room for */
};

#define VG_SECCOMP_PIDS_MAX 65536

/* Values of vg_seccomp_tgids. A command vigil starts is armed until its exec, so that
 * nothing of vigil's own code before it is recorded. */
enum { VG_SC_FOLLOWED = 1, VG_SC_ARMED = 2 };

#endif

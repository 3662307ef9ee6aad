/* integrity_event.h — the integrity checks (src/integrity): the wire body of the integrity
 * event they report (built in user space, decoded by src/decode/integrity.c), and the
 * interface of the BPF object that reads kernel state for them (bpf/integrity.bpf.c). */
#ifndef VIGIL_INTEGRITY_EVENT_H
#define VIGIL_INTEGRITY_EVENT_H

#include "vigil_event.h"

/* X(NAME, "name"): the checks, in the order they run and `vigil probes` lists them
 * (integrity.check is the name). */
#define VG_INTEGRITY_CHECKS(X)                                                            \
	X(KERNEL_HOOKS, "kernel_hooks") X(PROBE_EVENTS, "probe_events")                    \
	X(BPF_PROGRAMS, "bpf_programs") X(HIDDEN_PROCESSES, "hidden_processes")            \
	X(SYSTEM_FILES, "system_files")

enum vg_integrity_check {
#define VG_INTEGRITY_ENUM(NAME, name) VG_CHECK_##NAME,
	VG_INTEGRITY_CHECKS(VG_INTEGRITY_ENUM)
#undef VG_INTEGRITY_ENUM
	VG_CHECK__COUNT
};

/* One finding, made by the agent (the header is pid 0, comm "integrity": no process raised
 * it). The process it is about, when there is one (the hidden process, the first process
 * holding a BPF program), is owner_pid with its name and executable. */
struct vg_integrity {
	__u32 check;             /* enum vg_integrity_check */
	__u32 owner_pid;         /* 0: none */
	__s64 id;                /* a number naming the subject: program id, pid, address; -1 when none */
	struct vg_str finding;   /* the kind: hooked, changed, probe, program, hidden, overmounted, replaced, ... */
	struct vg_str subject;   /* what: a kernel function, a probe, a program's name, a path */
	struct vg_str detail;    /* how it was found and what it is */
	struct vg_str owner;     /* every process holding it: "123 bpfload /usr/bin/x, ...", or none */
	struct vg_str owner_name;
	struct vg_str owner_exe;
};

/* bpf/integrity.bpf.c reads up to VG_KREAD_MAX chunks of VG_KREAD_LEN bytes of kernel
 * memory per run (kernel text of the functions the hooks check looks at). */
#define VG_KREAD_MAX 512
#define VG_KREAD_LEN 16

/* One task of the kernel's task iterator (iter/task), as the hidden-process check reads
 * them: thread-group leaders only, pid as the agent's pid namespace numbers it. */
struct vg_ktask {
	__u32 pid;
	__u32 ppid;
	__u64 start_time;
	char comm[VG_COMM_LEN];
};

#endif

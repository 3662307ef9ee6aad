/* seccomp.h — `vigil seccomp`: syscall allow-lists from observed behaviour, in the OCI
 * runtime-spec / Docker seccomp JSON, and running programs under them.
 *
 *   record.c   the BPF recorder (bpf/seccomp.bpf.c): every syscall of a target (a cgroup,
 *              a container, a process tree, a command started under it), per ABI
 *   profile.c  the profile model, its JSON writer and reader (jansson)
 *   merge.c    the union of profiles (replicas, several runs)
 *   baseline.c what container runtimes need beyond the application
 *   apply.c    a profile as a libseccomp filter: `seccomp run` and the child of verify
 *   verify.c   a trial run under SCMP_ACT_LOG, with the kernel's audit records of what the
 *              profile would have denied
 *
 * A profile holds rules ("sections"): an action, optionally an errno, a comment naming
 * the section, and sorted syscall names. As in the OCI spec, a rule applies to every
 * architecture the profile lists; vigil writes what each ABI made in its own section, and
 * lists an architecture only when the target used it, so a profile recorded from 64-bit
 * programs refuses every 32-bit syscall. */
#ifndef VIGIL_SECCOMP_H
#define VIGIL_SECCOMP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "loader/features.h"
#include "seccomp_event.h"

struct vg_sc_rule {
	char *action;      /* "SCMP_ACT_ALLOW", ... */
	bool has_errno;
	unsigned errno_ret;
	char *comment;     /* the section, or NULL */
	int nnames;
	char **names;      /* sorted, unique */
};

struct vg_sc_profile {
	char *default_action;
	bool has_default_errno;
	unsigned default_errno;
	int narches;
	char **arches;     /* "SCMP_ARCH_X86_64", ... in the order added */
	int nflags;
	char **flags;      /* "SECCOMP_FILTER_FLAG_LOG", ... */
	int nrules;
	struct vg_sc_rule *rules;
};

/* Sections vigil writes. */
#define VG_SC_SECTION_APP "vigil: application"          /* + " (ARCH)" */
#define VG_SC_SECTION_BASELINE "vigil: runtime baseline" /* + " (RUNTIME)" */
#define VG_SC_SECTION_VERIFY "vigil: denied in a trial run" /* + " (ARCH)" */

/* ---- profile.c ---- */
/* An empty allow-list profile: default SCMP_ACT_ERRNO with errno EPERM. */
void vg_sc_profile_init(struct vg_sc_profile *p);
void vg_sc_profile_free(struct vg_sc_profile *p);
void vg_sc_profile_add_arch(struct vg_sc_profile *p, const char *arch);
void vg_sc_profile_add_flag(struct vg_sc_profile *p, const char *flag);
/* Adds name to the rule (action, errno, comment), creating the rule after the others. */
void vg_sc_profile_add(struct vg_sc_profile *p, const char *action, bool has_errno, unsigned errno_ret,
		       const char *comment, const char *name);
/* Whether the action lets the syscall run (SCMP_ACT_ALLOW, SCMP_ACT_LOG). */
bool vg_sc_action_allows(const char *action);
/* Whether p lets name run: a rule lists it with an allowing action, or no rule lists it
 * and the default allows. */
bool vg_sc_profile_allows(const struct vg_sc_profile *p, const char *name);
/* What makes a profile safe to apply: a syscall that glibc probes and whose ENOSYS makes
 * it fall back (clone3 -> clone) gets ENOSYS rather than the default errno when the
 * profile does not allow it (moby's default profile does the same); empty rules go. */
void vg_sc_profile_finish(struct vg_sc_profile *p);
/* The OCI / Docker JSON. -1 with errno when writing failed. */
int vg_sc_profile_write(const struct vg_sc_profile *p, FILE *out);
/* Writes to path ("-" for stdout); -1 with err set. */
int vg_sc_profile_save(const struct vg_sc_profile *p, const char *path, char *err, size_t errlen);
/* Reads a profile: JSON errors as file:line:col, others as file: json.path: message.
 * Rules with args, includes, excludes or SCMP_ACT_NOTIFY are refused (vigil cannot
 * honour them), as is a name under two different actions. */
int vg_sc_profile_read(const char *path, struct vg_sc_profile *p, char *err, size_t errlen);
/* libseccomp's architecture of "SCMP_ARCH_X86_64"; 0 when unknown. */
unsigned vg_sc_arch_token(const char *arch);
/* "SCMP_ARCH_X86_64" and the syscall names of an ABI this kernel runs. */
const char *vg_sc_abi_arch(enum vg_seccomp_abi abi);
/* The syscall name of nr in arch (SCMP_ARCH_*), or NULL; the string is malloc'd. */
char *vg_sc_syscall_name(const char *arch, int nr);

/* ---- merge.c ---- */
/* dst becomes the union of dst and src: architectures and flags joined; a syscall any of
 * them allows is allowed; one they deny stays denied (by its rule, or by the default).
 * -1 with err when the default actions differ (a union of those is not defined). */
int vg_sc_profile_merge(struct vg_sc_profile *dst, const struct vg_sc_profile *src, const char *src_name,
			char *err, size_t errlen);

/* ---- baseline.c ---- */
/* Adds what the runtime ("runc" or "crun") needs to start a container, in its own
 * section, leaving out what other sections allow. -1 with err for an unknown runtime. */
int vg_sc_baseline_add(struct vg_sc_profile *p, const char *runtime, char *err, size_t errlen);
/* "runc, crun" */
const char *vg_sc_baseline_names(void);

/* ---- record.c ---- */
struct vg_sc_target {
	const char *cgroup;    /* --cgroup PATH (absolute, or under the cgroup v2 mount) */
	const char *container; /* --container ID (a unique prefix) */
	pid_t pid;             /* --pid PID (and its descendants) */
	char **argv;           /* -- CMD ARGS... */
};
struct vg_sc_record_opts {
	struct vg_sc_target target;
	double duration;       /* seconds, 0 = until the command exits or SIGINT/SIGTERM */
	bool quiet;            /* no progress on stderr */
};
/* Records until the end the options say; p receives the application sections and
 * architectures. The command's exit status goes to *status (-1 when none ran). Returns
 * 0, or -1 with why. */
int vg_sc_record(const struct vg_sc_record_opts *o, const struct vg_features *f, struct vg_sc_profile *p,
		 int *status, char *why, size_t len);

/* The process follower of verify: a process tree followed through fork, nothing dropped
 * at exit (audit records arrive after their process may have gone). */
struct vg_sc_follower;
struct vg_sc_follower *vg_sc_follow(pid_t root, const struct vg_features *f, char *why, size_t len);
bool vg_sc_followed(const struct vg_sc_follower *fl, pid_t pid);
void vg_sc_follow_stop(struct vg_sc_follower *fl);

/* ---- apply.c ---- */
/* Loads p as this process's seccomp filter (no_new_privs first), for a process about to
 * exec (what the filter building allocated is left to the exec); log turns the default
 * action into SCMP_ACT_LOG (explicit rules stay as written). Unknown syscall names are
 * skipped with a warning on stderr (a newer profile on an older libseccomp), counted in
 * *unknown. -1 with err. */
int vg_sc_apply(const struct vg_sc_profile *p, bool log, int *unknown, char *err, size_t errlen);
/* Whether libseccomp sets this OCI filter flag ("SECCOMP_FILTER_FLAG_LOG", ...). */
bool vg_sc_flag_known(const char *flag);
/* argv[0] as execv() would run it after a PATH search, into out; false when not found. */
bool vg_sc_resolve(const char *cmd, char *out, size_t len);

/* ---- verify.c ---- */
/* Runs argv under p in SCMP_ACT_LOG mode and reports (stdout) every syscall the profile
 * would have denied, from the kernel's audit records (type 1326, SECCOMP_RET_LOG) of the
 * command's process tree; out (NULL: none) receives them as a profile to merge. Returns 0
 * when nothing would have been denied, 1 when something would, -1 with why on failure. */
int vg_sc_verify(const struct vg_sc_profile *p, char *const argv[], const struct vg_features *f,
		 struct vg_sc_profile *out, int *status, char *why, size_t len);

#endif

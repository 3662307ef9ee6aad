/* apply.c — a profile as this process's seccomp filter, with libseccomp, the way a
 * container runtime applies it: the default action for anything unlisted (also for
 * syscalls of an architecture the profile does not list, so a 32-bit syscall under a
 * 64-bit profile is refused like any other, not killed), each rule for every listed
 * architecture, unknown names skipped with a warning (as crun does), no_new_privs set so
 * that no privilege is needed. `vigil seccomp run` then execs the command. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "seccomp/seccomp.h"

/* libseccomp's action for a profile's action (already validated by the reader). */
static uint32_t action_of(const char *action, bool has_errno, unsigned errno_ret, unsigned dflt_errno)
{
	unsigned e = has_errno ? errno_ret : dflt_errno;

	if (strcmp(action, "SCMP_ACT_ALLOW") == 0)
		return SCMP_ACT_ALLOW;
	if (strcmp(action, "SCMP_ACT_LOG") == 0)
		return SCMP_ACT_LOG;
	if (strcmp(action, "SCMP_ACT_ERRNO") == 0)
		return SCMP_ACT_ERRNO(e);
	if (strcmp(action, "SCMP_ACT_TRACE") == 0)
		return SCMP_ACT_TRACE(e);
	if (strcmp(action, "SCMP_ACT_TRAP") == 0)
		return SCMP_ACT_TRAP;
	if (strcmp(action, "SCMP_ACT_KILL_PROCESS") == 0)
		return SCMP_ACT_KILL_PROCESS;
	return SCMP_ACT_KILL_THREAD; /* SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD */
}

/* X(flag, libseccomp attribute): the OCI filter flags libseccomp sets by attribute. */
#define VG_SC_FLAGS(X)                                                    \
	X("SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG)                  \
	X("SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB)           \
	X("SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC)

bool vg_sc_flag_known(const char *flag)
{
#define VG_SC_FLAG_KNOWN(name, attr) if (strcmp(flag, name) == 0) return true;
	VG_SC_FLAGS(VG_SC_FLAG_KNOWN)
#undef VG_SC_FLAG_KNOWN
	return false;
}

static int set_flag(scmp_filter_ctx ctx, const char *flag)
{
#define VG_SC_FLAG(name, attr) if (strcmp(flag, name) == 0) return seccomp_attr_set(ctx, attr, 1);
	VG_SC_FLAGS(VG_SC_FLAG)
#undef VG_SC_FLAG
	return -EINVAL;
}

int vg_sc_apply(const struct vg_sc_profile *p, bool log, int *unknown, char *err, size_t errlen)
{
	unsigned dflt_errno = p->has_default_errno ? p->default_errno : EPERM;
	uint32_t dflt = log ? SCMP_ACT_LOG : action_of(p->default_action, false, 0, dflt_errno);
	scmp_filter_ctx ctx = seccomp_init(dflt);
	int rc;

	*unknown = 0;
	if (!ctx) {
		snprintf(err, errlen, "libseccomp: cannot create a filter");
		return -1;
	}
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, dflt)) < 0)
		goto fail;
	for (int i = 0; i < p->narches; i++)
		if ((rc = seccomp_arch_add(ctx, vg_sc_arch_token(p->arches[i]))) < 0 && rc != -EEXIST)
			goto fail;
	for (int i = 0; i < p->nflags; i++)
		if ((rc = set_flag(ctx, p->flags[i])) < 0) {
			snprintf(err, errlen, "flag %s: %s", p->flags[i], strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	for (int i = 0; i < p->nrules; i++) {
		const struct vg_sc_rule *r = &p->rules[i];
		uint32_t act = action_of(r->action, r->has_errno, r->errno_ret, dflt_errno);

		if (act == dflt)
			continue; /* what the default does anyway (libseccomp refuses such rules) */
		for (int j = 0; j < r->nnames; j++) {
			int nr = seccomp_syscall_resolve_name(r->names[j]);

			if (nr == __NR_SCMP_ERROR) {
				fprintf(stderr, "vigil: syscall '%s' is unknown to this libseccomp: left out\n", r->names[j]);
				(*unknown)++;
				continue;
			}
			if ((rc = seccomp_rule_add(ctx, act, nr, 0)) < 0 && rc != -EEXIST) {
				snprintf(err, errlen, "libseccomp: rule for %s: %s", r->names[j], strerror(-rc));
				seccomp_release(ctx);
				return -1;
			}
		}
	}
	if ((rc = seccomp_load(ctx)) < 0)
		goto fail;
	return 0; /* the filter's memory goes with the exec: freeing it could make syscalls the profile denies */
fail:
	snprintf(err, errlen, "libseccomp: %s", strerror(-rc));
	seccomp_release(ctx);
	return -1;
}

bool vg_sc_resolve(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		return access(out, X_OK) == 0;
	}
	for (path = path ? path : "/usr/local/bin:/usr/bin:/bin"; *path;) {
		size_t n = strcspn(path, ":");

		snprintf(out, len, "%.*s/%s", (int)n, n ? path : ".", cmd);
		if (access(out, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

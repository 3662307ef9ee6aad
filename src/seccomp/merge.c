/* merge.c — the union of two profiles, for replicas of one workload or several runs of it:
 * the merged profile lets a syscall run when either input does, and refuses it (with the
 * rule's own action) only when both do. Sections keep their names, so an application
 * section of two recordings becomes one. Default actions must agree: the union of "deny
 * the rest" and "allow the rest" has no meaning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "seccomp/seccomp.h"

static bool same_default(const struct vg_sc_profile *a, const struct vg_sc_profile *b)
{
	return strcmp(a->default_action, b->default_action) == 0 && a->has_default_errno == b->has_default_errno &&
	       (!a->has_default_errno || a->default_errno == b->default_errno);
}

/* Adds in's rules to out, a denying name only when neither a nor b lets it run. */
static void add_rules(struct vg_sc_profile *out, const struct vg_sc_profile *in, const struct vg_sc_profile *a,
		      const struct vg_sc_profile *b)
{
	for (int i = 0; i < in->nrules; i++) {
		const struct vg_sc_rule *r = &in->rules[i];
		bool allowing = vg_sc_action_allows(r->action);

		for (int j = 0; j < r->nnames; j++)
			if (allowing || (!vg_sc_profile_allows(a, r->names[j]) && !vg_sc_profile_allows(b, r->names[j])))
				vg_sc_profile_add(out, r->action, r->has_errno, r->errno_ret, r->comment, r->names[j]);
	}
}

int vg_sc_profile_merge(struct vg_sc_profile *dst, const struct vg_sc_profile *src, const char *src_name,
			char *err, size_t errlen)
{
	struct vg_sc_profile out;

	if (!same_default(dst, src)) {
		snprintf(err, errlen, "%s: defaultAction %s (errno %d) differs from %s (errno %d): profiles with "
				      "different defaults cannot be merged", src_name, src->default_action,
			 src->has_default_errno ? (int)src->default_errno : -1, dst->default_action,
			 dst->has_default_errno ? (int)dst->default_errno : -1);
		return -1;
	}
	vg_sc_profile_init(&out);
	out.has_default_errno = dst->has_default_errno;
	out.default_errno = dst->default_errno;
	free(out.default_action);
	out.default_action = strdup(dst->default_action);
	for (int i = 0; i < dst->narches; i++)
		vg_sc_profile_add_arch(&out, dst->arches[i]);
	for (int i = 0; i < src->narches; i++)
		vg_sc_profile_add_arch(&out, src->arches[i]);
	for (int i = 0; i < dst->nflags; i++)
		vg_sc_profile_add_flag(&out, dst->flags[i]);
	for (int i = 0; i < src->nflags; i++)
		vg_sc_profile_add_flag(&out, src->flags[i]);
	add_rules(&out, dst, dst, src);
	add_rules(&out, src, dst, src);
	vg_sc_profile_free(dst);
	*dst = out;
	return 0;
}

/* pushdown.c — what the kernel can enforce by itself. A kill rule whose whole condition is
 * "an exec of one of these executables" (evt.type = exec and proc.exe = X / in (...)) can be
 * decided at exec in the kernel, by inode, before the program runs an instruction. Any
 * other conjunct (a user, an exception, an ancestor) keeps the decision in user space,
 * where the kill follows the alert.
 *
 * A deny rule goes further: the exec or open never happens. Its decision is taken on the
 * permission path (src/enforce: BPF-LSM or fanotify permission events) from facts the
 * kernel holds when the file is opened, so its whole condition must be one of
 *   evt.type = exec and proc.exe (= | in | pmatch) PATHS   (the image that would run)
 *   evt.type = open and file.path (= | in | pmatch) PATHS  (the file that would be read)
 * and anything else is a load error that says so: a deny that silently became an alert
 * would be worse than none. */
#include <string.h>
#include "rules/internal.h"

static bool is_pin(const struct node *n, const char *field, bool prefix_ok)
{
	const char *name;

	if (n->kind != NK_CMP || n->rhs_is_operand)
		return false;
	if (n->lhs.kind == OPD_HDR)
		name = n->lhs.anc == 0 ? n->lhs.hf->name : NULL;
	else
		name = n->lhs.kind == OPD_EVT ? n->lhs.ef->name : NULL;
	return name && strcmp(name, field) == 0 &&
	       (n->op == OP_EQ || n->op == OP_IN || (prefix_ok && n->op == OP_PMATCH));
}

/* The pinning comparison when cond is exactly (types) AND (a pin on field), else NULL. */
static const struct node *pin_of(const struct node *cond, uint64_t types, const char *field, bool prefix_ok)
{
	const struct node *pin = NULL;
	bool typed = false;

	if (!cond || cond->kind != NK_AND)
		return NULL;
	for (int i = 0; i < cond->n; i++) {
		const struct node *k = cond->kids[i];

		if (k->kind == NK_TYPES && k->types == types)
			typed = true;
		else if (is_pin(k, field, prefix_ok) && !pin)
			pin = k;
		else
			return NULL;
	}
	return typed ? pin : NULL;
}

int vg_rules_kill_exes(const struct vg_ruleset *rs, const char **out, int max)
{
	int n = 0;

	for (int r = 0; rs && r < rs->nrules; r++) {
		const struct rule *rule = &rs->rules[r];
		const struct node *pin;

		if (!rule->enabled || rule->action != VG_ACTION_KILL || rule->kind != RK_PLAIN)
			continue;
		if (!(pin = pin_of(rule->cond, 1ull << VG_EV_EXEC, "proc.exe", false)))
			continue;
		for (int i = 0; i < pin->n && n < max; i++)
			out[n++] = pin->vals[i].str.ptr;
	}
	return n;
}

/* What a deny rule pins, and of which kind; NULL when it pins nothing decidable. */
static const struct node *deny_pin(const struct rule *r, enum vg_deny_kind *kind)
{
	const struct node *pin;

	if (r->kind != RK_PLAIN)
		return NULL;
	if ((pin = pin_of(r->cond, 1ull << VG_EV_EXEC, "proc.exe", true)))
		*kind = VG_DENY_EXEC;
	else if ((pin = pin_of(r->cond, 1ull << VG_EV_OPEN, "file.path", true)))
		*kind = VG_DENY_OPEN;
	return pin;
}

void deny_check(struct cctx *c, const struct rule *r, const struct src *action_src)
{
	enum vg_deny_kind kind;
	const struct node *pin;

	if (!r->cond && r->kind == RK_PLAIN)
		return; /* the condition's own error is reported */
	if (!(pin = deny_pin(r, &kind))) {
		src_error(c->errs, action_src, NULL, 0,
			  "rule '%s': action deny needs a condition the permission path can decide: "
			  "`evt.type = exec and proc.exe (=|in|pmatch) PATHS` or `evt.type = open and "
			  "file.path (=|in|pmatch) PATHS`, nothing else (use action kill for conditions on "
			  "users, ancestors or arguments)", r->name);
		return;
	}
	for (int i = 0; i < pin->n; i++)
		if (pin->vals[i].str.ptr[0] != '/')
			src_error(c->errs, action_src, NULL, 0,
				  "rule '%s': action deny needs absolute paths, not '%s'", r->name,
				  pin->vals[i].str.ptr);
}

int vg_rules_deny_pins(const struct vg_ruleset *rs, struct vg_deny_pin *out, int max)
{
	int n = 0;

	for (int r = 0; rs && r < rs->nrules; r++) {
		const struct rule *rule = &rs->rules[r];
		enum vg_deny_kind kind;
		const struct node *pin;

		if (!rule->enabled || rule->action != VG_ACTION_DENY || !(pin = deny_pin(rule, &kind)))
			continue;
		for (int i = 0; i < pin->n && n < max; i++)
			out[n++] = (struct vg_deny_pin){ .rule = rule->name, .kind = kind,
							 .prefix = pin->op == OP_PMATCH,
							 .path = pin->vals[i].str.ptr };
	}
	return n;
}

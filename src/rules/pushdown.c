/* pushdown.c — what the kernel can enforce by itself. A kill rule whose whole condition is
 * "an exec of one of these executables" (evt.type = exec and proc.exe = X / in (...)) can be
 * decided at exec in the kernel, by inode, before the program runs an instruction. Any
 * other conjunct (a user, an exception, an ancestor) keeps the decision in user space,
 * where the kill follows the alert. */
#include <string.h>
#include "rules/internal.h"

static bool is_exe_pin(const struct node *n)
{
	return n->kind == NK_CMP && n->lhs.kind == OPD_HDR && n->lhs.anc == 0 && !n->rhs_is_operand &&
	       strcmp(n->lhs.hf->name, "proc.exe") == 0 && (n->op == OP_EQ || n->op == OP_IN);
}

/* The exe-pinning comparison when cond is exactly (exec types) AND (exe pin), else NULL. */
static const struct node *exec_pin(const struct node *cond)
{
	const struct node *pin = NULL;
	bool exec_only = false;

	if (!cond || cond->kind != NK_AND)
		return NULL;
	for (int i = 0; i < cond->n; i++) {
		const struct node *k = cond->kids[i];

		if (k->kind == NK_TYPES && k->types == (1ull << VG_EV_EXEC))
			exec_only = true;
		else if (is_exe_pin(k) && !pin)
			pin = k;
		else
			return NULL;
	}
	return exec_only ? pin : NULL;
}

int vg_rules_kill_exes(const struct vg_ruleset *rs, const char **out, int max)
{
	int n = 0;

	for (int r = 0; rs && r < rs->nrules; r++) {
		const struct rule *rule = &rs->rules[r];
		const struct node *pin;

		if (!rule->enabled || rule->action != VG_ACTION_KILL || rule->kind != RK_PLAIN)
			continue;
		if (!(pin = exec_pin(rule->cond)))
			continue;
		for (int i = 0; i < pin->n && n < max; i++)
			out[n++] = pin->vals[i].str.ptr;
	}
	return n;
}

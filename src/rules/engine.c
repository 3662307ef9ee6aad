/* engine.c — the per-event path: the rules indexed by event type (an event only meets
 * rules that can match its type), stateful rules fed to state.c, matches passed through
 * the rate limiter, then rendered into an alert. Nothing is rendered for an event no
 * rule matched. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rules/internal.h"

static const char *const prio_names[] = {
	"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug",
};

static const char *const action_names[] = {
#define VG_ACTION_NAME(e, name) [VG_ACTION_##e] = name,
	VG_ACTIONS(VG_ACTION_NAME)
#undef VG_ACTION_NAME
};

const char *vg_action_name(enum vg_action a)
{
	return (unsigned)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "unknown";
}

int vg_action_parse(const char *s)
{
	for (unsigned a = 0; a < sizeof(action_names) / sizeof(action_names[0]); a++)
		if (strcmp(s, action_names[a]) == 0)
			return (int)a;
	return -1;
}

const char *vg_priority_name(enum vg_priority p)
{
	return (unsigned)p <= VG_PRIO_DEBUG ? prio_names[p] : "unknown";
}

int vg_priority_parse(const char *s)
{
	if (strcasecmp(s, "info") == 0)
		return VG_PRIO_INFORMATIONAL;
	for (int i = 0; i <= VG_PRIO_DEBUG; i++)
		if (strcasecmp(s, prio_names[i]) == 0)
			return i;
	return -1;
}

void engine_index(struct vg_ruleset *rs)
{
	for (int t = 0; t < VG_EV__COUNT; t++) {
		for (int i = 0; i < rs->nrules; i++) {
			struct rule *r = &rs->rules[i];

			/* deny rules are decided on the permission path (vg_rules_alert) */
			if (!r->enabled || r->action == VG_ACTION_DENY || !((r->types >> t) & 1))
				continue;
			if (!rs->by_type[t])
				rs->by_type[t] = xcalloc(rs->nrules, sizeof(*rs->by_type[t]));
			rs->by_type[t][rs->nby_type[t]++] = r;
			rs->interest |= 1ull << t;
		}
	}
}

/* e: the stateful evidence (snapshots), or NULL when the current event is all of it. */
static int emit(struct ectx *c, struct rule *r, const struct evidence *e, vg_alert_fn fn, void *ctx)
{
	struct vg_ruleset *rs = c->rs;
	const struct vg_event *own[1] = { c->ev };

	r->matches++;
	r->regex_limits += c->limited;
	if (!limiter_allow(rs->limiter, r->index, (uint32_t)c->ev->proc->pid, c->ev->ts_ns)) {
		r->suppressed++;
		return 0;
	}
	if (!fn)
		return 1;
	tmpl_render(c, &r->output, &rs->out);
	struct vg_alert a = {
		.rule = r->name,
		.priority = r->prio,
		.tags = r->tags,
		.ntags = r->ntags + c->limited, /* VG_TAG_REGEX_LIMIT follows the rule's tags */
		.desc = r->desc,
		.action = r->action,
		.output = rs->out.p,
		.evidence = e ? (const struct vg_event *const *)e->ev : own,
		.nevidence = e ? e->n : 1,
		.ev = c->ev,
	};
	fn(&a, ctx);
	return 1;
}

int vg_rules_eval(struct vg_ruleset *rs, const struct vg_event *ev, struct vg_proctable *pt,
		  vg_alert_fn fn, void *ctx)
{
	struct ectx c;
	struct evidence e;
	struct seq_match m;
	const uint8_t *need, *met;
	int alerts = 0;

	if (ev->type >= VG_EV__COUNT || !ev->proc)
		return 0;
	ectx_init(&c, rs, ev, pt);
	met = index_filter(&c, ev->type, &need);
	for (int i = 0; i < rs->nby_type[ev->type]; i++) {
		struct rule *r = rs->by_type[ev->type][i];
		/* a string it requires (its first step's, for a sequence) is not the event's */
		bool possible = !met || !(need[i] & ~met[r->index]);

		if (!possible && (r->kind != RK_SEQ || !r->partials))
			continue;

		switch (r->kind) {
		case RK_PLAIN:
			if (eval_node(&c, r->cond))
				alerts += emit(&c, r, NULL, fn, ctx);
			break;
		case RK_FREQ:
			if (eval_node(&c, r->cond) && freq_update(&c, r, &e)) {
				alerts += emit(&c, r, &e, fn, ctx);
				evidence_clear(&e);
			}
			break;
		case RK_SEQ:
			if (seq_update(&c, r, &m, possible)) {
				c.caps = m.caps;
				c.caps_set = m.caps_set;
				alerts += emit(&c, r, &m.ev, fn, ctx);
				c.caps = NULL;
				c.caps_set = NULL;
				seq_match_clear(&m);
			}
			break;
		}
	}
	return alerts;
}

int vg_rules_alert(struct vg_ruleset *rs, const char *rule, const struct vg_event *ev,
		   struct vg_proctable *pt, vg_alert_fn fn, void *ctx)
{
	struct ectx c;

	for (int i = 0; i < rs->nrules; i++)
		if (rs->rules[i].enabled && strcmp(rs->rules[i].name, rule) == 0) {
			ectx_init(&c, rs, ev, pt);
			return emit(&c, &rs->rules[i], NULL, fn, ctx);
		}
	return 0;
}

uint64_t vg_rules_interest(const struct vg_ruleset *rs)
{
	return rs->interest;
}

struct vg_rules_counts vg_rules_counts(const struct vg_ruleset *rs)
{
	return rs->counts;
}

bool vg_rules_info(const struct vg_ruleset *rs, int i, struct vg_rule_info *out)
{
	static const char *const kinds[] = { "rule", "frequency", "sequence" };
	const struct rule *r;

	if (i < 0 || i >= rs->nrules)
		return false;
	r = &rs->rules[i];
	*out = (struct vg_rule_info){
		.name = r->name,
		.priority = r->prio,
		.tags = r->tags,
		.ntags = r->ntags,
		.action = r->action,
		.enabled = r->enabled,
		.kind = kinds[r->kind],
		.types = r->types,
		.matches = r->matches,
		.suppressed = r->suppressed,
		.evictions = r->evictions,
		.regex_limits = r->regex_limits,
	};
	return true;
}

void vg_ruleset_free(struct vg_ruleset *rs)
{
	if (!rs)
		return;
	fstate_free(rs->state);
	limiter_free(rs->limiter);
	for (int i = 0; i < rs->nregex; i++)
		pcre2_code_free(rs->regex[i]);
	free(rs->regex);
	pcre2_match_data_free(rs->md);
	pcre2_match_context_free(rs->mctx);
	free(rs->memo);
	index_free(rs);
	for (int t = 0; t < VG_EV__COUNT; t++)
		free(rs->by_type[t]);
	free(rs->rules);
	vg_buf_free(&rs->out);
	vg_buf_free(&rs->key);
	vg_buf_free(&rs->lower);
	arena_free(&rs->arena);
	free(rs);
}

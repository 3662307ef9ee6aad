/* rules.h — the detection rule engine: YAML rules (Falco-style rule/macro/list items plus
 * stateful `frequency` and `sequence` rules) compiled once into typed condition trees,
 * indexed by event type, and evaluated against every decoded event.
 *
 * Loading is a pure function from files to a new struct vg_ruleset: the previous ruleset
 * stays valid until freed, so a SIGHUP reload builds the new one and swaps pointers only
 * when it loaded without error. A ruleset also owns its run-time state (frequency
 * counters, partial sequences, rate-limit buckets, per-rule counters); a reload starts
 * that state afresh. A ruleset is used by one thread at a time.
 *
 * Every load error names file:line:col. The language is documented in docs/rules.md,
 * whose field section is the output of vg_rules_fields_markdown().
 */
#ifndef VIGIL_RULES_H
#define VIGIL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "enforce_event.h"
#include "event.h"

struct vg_proctable;
struct vg_ruleset;

enum vg_priority { /* Falco's scale; lower is more severe */
	VG_PRIO_EMERGENCY,
	VG_PRIO_ALERT,
	VG_PRIO_CRITICAL,
	VG_PRIO_ERROR,
	VG_PRIO_WARNING,
	VG_PRIO_NOTICE,
	VG_PRIO_INFORMATIONAL,
	VG_PRIO_DEBUG,
};

/* X(ENUM, "name"): what a rule does when it matches. kill: the process of the last
 * evidence event is killed (by the kernel at exec where the rule pins proc.exe); deny: the
 * exec or open is refused before it happens (src/enforce). */
#define VG_ACTIONS(X) X(ALERT, "alert") X(KILL, "kill") X(DENY, "deny")

enum vg_action {
#define VG_ACTION_ENUM(e, name) VG_ACTION_##e,
	VG_ACTIONS(VG_ACTION_ENUM)
#undef VG_ACTION_ENUM
};

const char *vg_action_name(enum vg_action a);
int vg_action_parse(const char *s); /* enum vg_action, or -1 */
const char *vg_priority_name(enum vg_priority p);
int vg_priority_parse(const char *s); /* enum vg_priority, or -1 */

/* Load-time knobs; a zero member takes the default in brackets. */
struct vg_rules_opts {
	int min_priority;       /* rules less severe than this are disabled [debug: all] */
	unsigned rate_burst;    /* alerts per rule and process in a burst [10] */
	double rate_per_sec;    /* refill of that bucket [1.0] */
	unsigned max_buckets;   /* rate-limit buckets kept [4096] */
	unsigned max_groups;    /* frequency groups kept, all rules together [1024] */
	unsigned max_partials;  /* partial sequences kept, all rules together [1024] */
};

/* Load errors, each "file:line:col: message". */
struct vg_rules_errors {
	int n;
	char **msg;
};
void vg_rules_errors_free(struct vg_rules_errors *e);

/* Loads files and directories in order (a directory contributes its *.yaml and *.yml
 * files in name order); later items append to or override earlier ones of the same name.
 * Returns NULL, with every error in errs, when anything fails (errs is reset first and
 * freed by the caller with vg_rules_errors_free). opts may be NULL. */
struct vg_ruleset *vg_rules_load(const char *const *paths, int npaths,
				 const struct vg_rules_opts *opts, struct vg_rules_errors *errs);
/* The same from YAML text in memory; name stands for the file in error messages. */
struct vg_ruleset *vg_rules_load_text(const char *name, const char *yaml,
				      const struct vg_rules_opts *opts, struct vg_rules_errors *errs);
void vg_ruleset_free(struct vg_ruleset *rs);

/* One alert. Everything is valid only during the callback. */
struct vg_alert {
	const char *rule;
	enum vg_priority priority;
	const char *const *tags;
	int ntags;
	const char *desc;
	enum vg_action action;
	const char *output;          /* the rule's output template, rendered */
	/* The events behind the alert, oldest first (snapshots of earlier events for
	 * frequency and sequence rules); the last is the triggering event. */
	const struct vg_event *const *evidence;
	int nevidence;
	const struct vg_event *ev;   /* the triggering event */
};
typedef void (*vg_alert_fn)(const struct vg_alert *a, void *ctx);

/* Runs every enabled rule that can match ev's type; calls fn for each match that passes
 * the rate limit. pt supplies ancestry (proc.aname, parent.*, sequence scope) and may be
 * NULL, in which case only ev->proc is known. Returns the number of alerts delivered. */
int vg_rules_eval(struct vg_ruleset *rs, const struct vg_event *ev, struct vg_proctable *pt,
		  vg_alert_fn fn, void *ctx);

/* Interest pushdown: bit t is set when an enabled rule can match event type t
 * (enum vg_type), so the agent attaches only those hooks. */
uint64_t vg_rules_interest(const struct vg_ruleset *rs);

/* Kill pushdown: fills out[] with the executables that enabled kill rules pin by their
 * whole condition (evt.type = exec and proc.exe = X / in (...)), so the kernel can kill
 * them at exec. Strings live as long as rs. Returns how many (at most max). */
int vg_rules_kill_exes(const struct vg_ruleset *rs, const char **out, int max);

/* Deny pushdown: what enabled deny rules pin (their whole condition is one of these, or
 * the rules did not load), for the permission path to decide at exec or open. */
struct vg_deny_pin {
	const char *rule;       /* the rule's name; strings live as long as rs */
	enum vg_deny_kind kind; /* exec: the image that would run; open: the file */
	bool prefix;            /* pmatch: the path and everything below it */
	const char *path;       /* absolute */
};
/* Fills out[] with at most max pins; returns how many. */
int vg_rules_deny_pins(const struct vg_ruleset *rs, struct vg_deny_pin *out, int max);
/* Kernel filters (bpf/vigil_filter.h): for each event type the kernel filters, what an event
 * needs for some enabled rule to match it. The description over-approximates every
 * condition (src/rules/filter.c says how): an event it does not describe cannot match. */
struct vg_filter_atom {
	unsigned type;     /* enum vg_type */
	unsigned kind;     /* enum vg_atom_kind */
	unsigned slot;     /* VG_SLOT_*, for path kinds */
	uint16_t classes;  /* the VG_FC_* classes it passes */
	char *text;        /* EXACT, PREFIX, PARTIAL: a clean absolute path ("/" for PARTIAL's
			      root); DIR, LEAF, START, END, COMM, COMM_START: the name or its part;
			      CALL: the call's name */
	char *start;       /* PARTIAL: how the name below text starts */
	uint32_t number;   /* DPORT: the port; CALL: the enum vg_open_call */
	struct vg_ip ip;   /* DADDR: the address, masked to bits */
	unsigned bits;
};
struct vg_kernel_filter {
	bool on[VG_EV__COUNT];       /* the kernel drops what the description leaves out */
	uint16_t any[VG_EV__COUNT];  /* classes that pass whatever their facts */
	const char *why[VG_EV__COUNT]; /* off: the first rule that needs every event (lives as
					  long as the ruleset) */
	int natoms, cap;
	struct vg_filter_atom *atoms; /* sorted by type */
	uint64_t exe_window_ns;      /* EXE atoms: how long an executable counts after its exec */
};
/* Fills f from the enabled rules of rs (NULL: no rules, nothing matches). */
void vg_rules_kernel_filter(const struct vg_ruleset *rs, struct vg_kernel_filter *f);
void vg_kernel_filter_free(struct vg_kernel_filter *f);
/* Whether the kernel can filter events of type (VG_FILTERED_EVENTS). */
bool vg_filter_type_supported(unsigned type);
/* The filter as a Markdown table, one row per filtered type, each showing at most limit
 * atoms (`vigil rules filter`). */
void vg_kernel_filter_markdown(const struct vg_kernel_filter *f, int limit, FILE *out);

/* An alert of the named rule for ev, decided elsewhere (deny rules are not evaluated per
 * event: the permission path decided): the rate limit, output and evidence apply as in
 * vg_rules_eval. Returns 1 when an alert was delivered, 0 when suppressed or when no
 * enabled rule has that name (a reload removed it). */
int vg_rules_alert(struct vg_ruleset *rs, const char *rule, const struct vg_event *ev,
		   struct vg_proctable *pt, vg_alert_fn fn, void *ctx);

/* Counts and per-rule facts, for `rules list` and the stats line. */
struct vg_rule_info {
	const char *name;
	enum vg_priority priority;
	const char *const *tags;
	int ntags;
	enum vg_action action;
	bool enabled;
	const char *kind;  /* "rule", "frequency" or "sequence" */
	uint64_t types;    /* event types it can match, as in vg_rules_interest() */
	uint64_t matches;  /* times the rule matched */
	uint64_t suppressed; /* matches the rate limit swallowed */
	uint64_t evictions;  /* state entries of this rule evicted to respect the caps */
	uint64_t regex_limits; /* matches a regex limit decided (the alert has tag regex_limit) */
};
struct vg_rules_counts {
	int rules, macros, lists;
};
struct vg_rules_counts vg_rules_counts(const struct vg_ruleset *rs);
/* i from 0 until false: rules in load order. */
bool vg_rules_info(const struct vg_ruleset *rs, int i, struct vg_rule_info *out);

/* Every field a condition or output may use, header fields first, as a Markdown table
 * (name, type, description, example), then the values of evt.type. docs/rules.md
 * includes this output verbatim. */
void vg_rules_fields_markdown(FILE *out);

/* CLI subcommands; argv[0] is the subcommand name. Return the exit status. */
int vg_rules_cmd_check(int argc, char **argv);  /* vigil rules check FILE|DIR... */
int vg_rules_cmd_list(int argc, char **argv);   /* vigil rules list [--rules PATH] */
int vg_rules_cmd_fields(int argc, char **argv); /* vigil rules fields */
int vg_rules_cmd_filter(int argc, char **argv); /* vigil rules filter [--all] [--rules PATH] */

#define VG_RULES_DEFAULT_PATH "rules"

#endif

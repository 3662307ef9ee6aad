/* internal.h — types shared by the rule engine's files (src/rules/); not public API.
 *
 * Pipeline: loader.c reads YAML (through yamlnode.c) into definitions (struct def,
 * struct rdef), merging appends and overrides; build.c compiles them: parse.c turns
 * condition text into a syntax tree (struct syn), compile.c turns that into a typed tree
 * (struct node) whose operands are resolved field accessors (fields.c); eval.c runs typed
 * trees; state.c keeps frequency and sequence state; engine.c indexes rules by event
 * type and emits alerts through ratelimit.c and template.c. diag.c maps errors back to
 * file:line:col; mem.c holds the arena; cmd.c is the CLI.
 */
#ifndef VIGIL_RULES_INTERNAL_H
#define VIGIL_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <uthash.h>
#include <yaml.h>
#include "rules/rules.h"
#include "proc/proctable.h"
#include "output/buf.h"

_Static_assert(VG_EV__COUNT <= 64, "event type sets are 64-bit masks");
#define ALL_TYPES (VG_EV__COUNT == 64 ? ~0ull : (1ull << VG_EV__COUNT) - 1)

/* ---- budgets: what one load may cost, whatever its files say ----
 * Rule files are input like any other: a few hundred hostile bytes must not cost gigabytes,
 * a hang or a crash. Every stage that can amplify its input has a ceiling far above what
 * real rulesets use (docs/rules.md, "Limits", has the figures); passing one is a load error
 * at file:line:col that names the limit. */
#define VG_MAX_FILE_BYTES   (16u << 20) /* one rules file */
#define VG_MAX_YAML_NODES   500000      /* YAML nodes of one load (libyaml keeps them all) */
#define VG_MAX_YAML_DEPTH   64          /* YAML nesting */
#define VG_MAX_SOURCE_BYTES (64u << 20) /* text and item slots read out of the YAML: aliases
					   and appends can repeat a node many times */
#define VG_MAX_DEPTH        100         /* condition nesting: parentheses, not, and/or, macros */
#define VG_MAX_COND_COST    20000       /* nodes and constants of one condition, expanded */
#define VG_MAX_RULESET_COST 500000      /* the same summed over every rule */
#define VG_MAX_LIST_ITEMS   100000      /* items of one list, nested lists expanded */
#define VG_MAX_RULESET_BYTES (64u << 20) /* compiled trees, constants and regexes */
#define VG_MAX_ERRORS       100         /* messages kept; the rest are counted in one line */
#define VG_MAX_EXCEPTIONS   1000        /* exceptions of one rule (found by name when merged) */

/* One regex match: at most VG_REGEX_MATCH_LIMIT(len) backtracking steps (PCRE2's match
 * limit, which JIT code counts too), this nesting depth and this much heap for the
 * interpreter's frames. An unanchored pattern takes at least one step per subject byte, so
 * the limit grows with the subject: the cost stays linear in the input. A catastrophic
 * pattern such as (a+)+$ on 4 KB stops after about 0.15 ms (JIT) instead of 15 ms; the
 * default rules' regexes need at most a quarter of the limit on 4 KB subjects built to make
 * them backtrack, and under 100 steps on real ones (test_rules_limits checks the headroom). */
#define VG_REGEX_MATCH_LIMIT(len) (20000u + 8u * (uint32_t)(len))
#define VG_REGEX_DEPTH_LIMIT 20000
#define VG_REGEX_HEAP_KIB    4096

/* ---- memory: everything compiled lives in one arena, freed with the ruleset ---- */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t total; /* bytes handed out, for the budgets */
};
void *arena_alloc(struct arena *a, size_t n); /* zeroed; aborts when out of memory */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
/* Capacities of arrays grown one piece at a time: 4, then powers of two, implied by the
 * count, so that n appends cost O(n) copying with no capacity kept beside the count. */
size_t grow_capacity(size_t n);
/* p (heap, holding n elements of size) with room for add more; aborts when out of memory. */
void *xgrow(void *p, size_t n, size_t add, size_t size);

/* ---- where text came from, for file:line:col ---- */
struct src { /* one YAML node */
	const char *file;
	const char *text; /* the whole file */
	size_t textlen;
	size_t index;     /* node start in text */
	int line, col;    /* 0-based, as libyaml marks */
	int style;        /* yaml_scalar_style_t */
};

/* Condition text, possibly assembled from appended pieces of several files. */
struct frag {
	const struct src *src;
	const char *value; /* the scalar as parsed */
	size_t off, len;   /* where it sits in text */
};
struct ctext {
	char *text;
	size_t len; /* of text */
	int nfrag;
	struct frag *frags;
};
void ctext_add(struct ctext *ct, const struct src *src, const char *value);
void ctext_free(struct ctext *ct);

struct loc {
	const struct ctext *ct;
	size_t pos;
};

void errs_add(struct vg_rules_errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error at byte off of a scalar's value (0 for the node itself). */
void src_error(struct vg_rules_errors *e, const struct src *s, const char *value, size_t off,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void loc_error(struct vg_rules_errors *e, struct loc l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- syntax tree (parse.c) ---- */
enum op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_CONTAINS, OP_ICONTAINS,
	OP_STARTSWITH, OP_ENDSWITH, OP_GLOB, OP_REGEX, OP_PMATCH, OP_EXISTS,
};
extern const char *const op_names[];
int op_parse(const char *s); /* enum op or -1 */

enum sv_kind {
	SV_WORD,    /* bare word: a value, or a list name inside in (...) */
	SV_STRING,  /* quoted string: always a value */
	SV_FIELD,   /* val(field) */
	SV_CAPTURE, /* $step.field */
};
struct synval {
	enum sv_kind kind;
	char *s;
	struct loc loc;
};

enum syn_kind { SYN_AND, SYN_OR, SYN_NOT, SYN_CMP, SYN_REF };
struct syn {
	enum syn_kind kind;
	struct loc loc;
	int nkids;           /* AND, OR: a whole chain (a and b and c: 3); NOT: 1 */
	struct syn **kids;
	struct synval lhs;   /* CMP: the field; REF: the macro name */
	enum op op;
	struct loc op_loc;
	int nvals;
	struct synval *vals;
	bool in_list_name;   /* `in name` without parentheses */
};
/* NULL on a syntax error, reported through errs. Nesting is bounded by VG_MAX_DEPTH and
 * the tree by VG_MAX_COND_COST nodes, so a hostile text costs no stack and bounded memory. */
struct syn *syn_parse(const struct ctext *ct, struct vg_rules_errors *errs);
void syn_free(struct syn *s);

/* ---- typed tree ---- */
#define ANC_ANY (-1)

struct ectx;
struct hdr_field {
	const char *name;
	enum vg_vtype type;
	int rel;          /* whose process: 0 self, 1 parent, REL_INDEXED: [N], 1..8 or any */
	bool (*get)(struct ectx *c, const struct vg_proc *p, struct vg_value *out);
	const char *doc;
	const char *example;
};
#define REL_INDEXED 9
extern const struct hdr_field hdr_fields[];
extern const size_t hdr_nfields;

enum opd_kind { OPD_HDR, OPD_EVT, OPD_CAPTURE };
struct operand {
	enum opd_kind kind;
	enum vg_vtype type;
	int anc;                   /* OPD_HDR: 0 self, 1..8 ancestor, ANC_ANY */
	const struct hdr_field *hf;
	const struct vg_field *ef;
	int slot;                  /* OPD_CAPTURE */
	const char *name;          /* as written, for output and messages */
};
/* Resolves "proc.aname[2]", "file.path", ...; returns false with a message in why. */
bool field_resolve(const char *name, struct operand *out, char *why, size_t whylen);
const char *vtype_name(enum vg_vtype t);

struct strset;
enum nkind { NK_AND, NK_OR, NK_NOT, NK_TYPES, NK_CMP, NK_CONST };
struct node {
	enum nkind kind;
	enum op op;
	int n;                  /* kids (AND, OR, NOT) or vals (CMP) */
	struct node **kids;
	uint64_t types;         /* NK_TYPES: evt.type is one of these */
	bool truth;             /* NK_CONST */
	struct operand lhs;
	bool rhs_is_operand;    /* compare with another field or a capture */
	struct operand rhs;
	struct vg_value *vals;  /* constants (strings NUL-terminated) */
	uint8_t *prefix;        /* VG_V_IP constants: CIDR prefix bits */
	struct strset *set;     /* OP_IN over many strings */
	pcre2_code *re;
	bool re_jit;            /* JIT-compiled: matched with pcre2_jit_match */
	uint16_t re_prefix;     /* an anchored pattern's leading literal: its length after '^' */
	const char *re_literal; /* else bytes every match contains (compile.c), for the index */
	uint16_t re_literal_len;
	uint32_t cost;          /* nodes and compared constants below, shared macros counted at
				   every use: what evaluating it can cost (node_finish) */
	uint16_t depth;         /* levels, this one included: eval_node's recursion */
	uint32_t memo;          /* 1 + its slot in the ruleset's memo when shared (share.c), or 0 */
};

/* ---- definitions as loaded (loader.c), compiled by build.c ---- */
struct def { /* a macro or list */
	char *name;
	const struct src *src;
	struct ctext cond;       /* macro */
	int nitems;              /* list */
	char **items;
	/* compile state */
	int state;               /* 0 new, 1 in progress, 2 done, 3 failed */
	struct node *node;       /* macro */
	int nexpanded;           /* list, after nested list names expand */
	char **expanded;
	UT_hash_handle hh;
};

struct exc_def {
	char *name;
	int nfields;
	char **fields;           /* nfields names */
	const struct src **field_src;
	char **comps;            /* nfields, "=" when not given */
	const struct src **comp_src;
	bool single;             /* `fields: name` rather than a list: each row is one value */
	int nrows;
	struct exc_row *rows;
	struct ctext cond;       /* simple form: `condition:` */
};
struct exc_cell { /* one value: a scalar, or for `in` a sequence of scalars */
	char *s;                 /* NULL when the value was a sequence */
	const struct src *src;
	int nseq;
	char **seq;
	const struct src **seq_src;
};
struct exc_row {
	int n;
	struct exc_cell *cells;
};

struct step_def {
	char *name;
	struct ctext cond;
};

enum rule_kind { RK_PLAIN, RK_FREQ, RK_SEQ };
struct rdef {
	char *name;
	struct ctext cond;
	char *output, *desc;
	const struct src *output_src;
	int prio;
	int ntags;
	char **tags;
	enum vg_action action;
	const struct src *action_src;
	bool enabled;
	int nexc;
	struct exc_def *exc;
	enum rule_kind kind;
	/* frequency */
	unsigned count;
	uint64_t window_ns;
	char *distinct;
	const struct src *distinct_src;
	int nby;
	char **by;
	const struct src **by_src;
	/* sequence */
	int nsteps;
	struct step_def *steps;
	int scope;               /* enum seq_scope */
	struct rdef *next;
	UT_hash_handle hh;
};

struct defs {
	struct def *macros, *lists;
	struct rdef *rules;              /* hash by name */
	struct rdef *order, **order_tail; /* load order */
	int nmacros, nlists;
};

/* ---- loading (loader.c, yamlnode.c) ---- */
struct loader {
	struct arena a; /* everything here lives until the ruleset is built */
	struct defs d;
	struct vg_rules_errors *errs;
	const char *file;
	const char *text;
	size_t len;
	yaml_document_t *doc;
	size_t yaml_nodes;   /* against VG_MAX_YAML_NODES */
	bool over_source;    /* VG_MAX_SOURCE_BYTES was reported */
};

enum mode { M_REPLACE, M_APPEND };

struct kv {
	const char *key;
	yaml_node_t *k, *v;
};
#define MAX_KEYS 16

#define y_error(L, n, ...) src_error((L)->errs, y_src(L, n), NULL, 0, __VA_ARGS__)
const struct src *y_src(struct loader *L, const yaml_node_t *n);
yaml_node_t *y_node(struct loader *L, int id);
char *y_scalar(struct loader *L, yaml_node_t *n, const char *what); /* NULL: not a scalar */
bool y_bool(struct loader *L, yaml_node_t *n, const char *what, bool *out);
/* A copy of old's n elements with room for add more, or NULL (reported at node n) when
 * that passes VG_MAX_SOURCE_BYTES. */
void *y_grow(struct loader *L, const yaml_node_t *at, void *old, int n, int add, size_t size);
/* A scalar or a sequence of scalars, appended to or replacing *out. */
bool y_strings(struct loader *L, yaml_node_t *n, const char *what, char ***out,
	       const struct src ***srcs, int *cnt, enum mode m);
/* The keys of a map, checked against allowed (NULL-terminated); -1 on error. */
int y_keys(struct loader *L, yaml_node_t *map, const char *what, const char *const *allowed,
	   struct kv *out);
yaml_node_t *y_get(struct kv *kv, int n, const char *key);
/* How KEY applies in an appending or overriding item. */
bool y_mode(struct loader *L, struct kv *kv, int n, const char *key, bool append, enum mode *m);
void y_cond(struct loader *L, struct ctext *ct, yaml_node_t *n, enum mode m);

/* ---- compiled ruleset ---- */
/* Where a sequence's later steps must happen, relative to the first step's process. */
enum seq_scope { SCOPE_TREE, SCOPE_PARENT_TREE, SCOPE_PROCESS, SCOPE_SESSION, SCOPE_HOST };

#define MAX_BY 16
#define MAX_STEPS 8
#define MAX_SLOTS 16
#define MAX_EVIDENCE 16 /* event snapshots kept per group or sequence: bounds memory */

struct tmpl_part {
	const char *lit;
	size_t litlen;
	bool is_field;
	struct operand opd;
};
struct tmpl {
	int n;
	struct tmpl_part *parts;
};

struct step {
	const char *name;
	struct node *cond;
	uint64_t types;
};
struct slot {
	int step;
	struct operand opd;
};

struct rule {
	int index;
	const char *name, *desc;
	enum vg_priority prio;
	const char **tags;       /* ntags, then VG_TAG_REGEX_LIMIT for alerts a limit decided */
	int ntags;
	enum vg_action action;
	bool enabled;
	enum rule_kind kind;
	struct node *cond;       /* RK_PLAIN, RK_FREQ */
	uint64_t types;
	struct tmpl output;
	/* frequency */
	unsigned count;
	uint64_t window_ns;
	bool has_distinct;
	struct operand distinct;
	int nby;
	struct operand *by;      /* nby */
	/* sequence */
	int nsteps;
	struct step steps[MAX_STEPS];
	enum seq_scope scope;
	int nslots;
	struct slot slots[MAX_SLOTS];
	struct partial *partials; /* sequence: in-flight matches (state.c) */
	/* counters */
	uint64_t matches, suppressed, evictions;
	uint64_t regex_limits;   /* matches a regex limit decided (eval_node) */
};

/* The tag an alert carries when a regex hit its match limit and the match was assumed. */
#define VG_TAG_REGEX_LIMIT "regex_limit"

struct fstate;
struct limiter;

struct vg_ruleset {
	struct arena arena;
	struct vg_rules_opts opts;
	int nrules;
	struct rule *rules;
	struct vg_rules_counts counts;
	struct rule **by_type[VG_EV__COUNT];
	int nby_type[VG_EV__COUNT];
	uint64_t interest;
	int nregex;
	pcre2_code **regex;
	pcre2_match_data *md;
	pcre2_match_context *mctx; /* the match limits (eval.c) */
	uint64_t cost;             /* summed over enabled rules, against VG_MAX_RULESET_COST */
	size_t extra_bytes;        /* outside the arena: regexes, list expansions while building */
	bool over_bytes;           /* VG_MAX_RULESET_BYTES was reported */
	bool over_cost;            /* VG_MAX_RULESET_COST was reported */
	struct rule_index *index;  /* the rules an event's strings allow (index.c) */
	struct fstate *state;
	struct limiter *limiter;
	/* results of the shared tests for the event being evaluated (share.c, eval.c) */
	struct memo {
		uint64_t epoch; /* the ectx epoch it was computed in */
		uint8_t value;  /* three-valued */
	} *memo;
	uint32_t nmemo;
	uint64_t epoch;            /* one per event evaluated */
	uint64_t hash_seed;        /* of every string set (eval.c) */
	struct vg_buf out, key, lower; /* scratch for rendering and icontains */
};

/* build.c */
struct vg_ruleset *build_ruleset(struct defs *d, const struct vg_rules_opts *opts,
				 struct vg_rules_errors *errs);

/* engine.c */
void engine_index(struct vg_ruleset *rs);

/* index.c: the string tests each rule requires, in tries walked once per event */
struct rule_index;
void index_build(struct vg_ruleset *rs);
void index_free(struct vg_ruleset *rs);
/* Per rule index, the requirements the event meets (NULL: none filtered for its type);
 * *need: per position in by_type[t], those each rule has. A rule runs only when
 * (need[i] & ~met[rule->index]) == 0. */
const uint8_t *index_filter(struct ectx *c, unsigned t, const uint8_t **need);

/* share.c: merges equal subtrees of the built rules and gives the shared ones memo slots */
void share_tests(struct vg_ruleset *rs);

/* compile.c */
struct cctx {
	struct vg_ruleset *rs;
	struct vg_rules_errors *errs;
	struct defs *defs;
	struct rule *rule;       /* NULL outside sequence steps */
	int step;                /* steps before this one may be captured */
	const struct step_def *step_defs;
	int depth;               /* compile_syn recursion, macros included */
};
struct node *compile_syn(struct cctx *c, const struct syn *s);
/* Condition text to a typed tree (NULL text: the loader reported the missing condition). */
struct node *compile_text(struct cctx *c, const struct ctext *ct);
/* Sets n's cost and depth from its kids and constants; false, with an error at l, when
 * that passes VG_MAX_COND_COST or VG_MAX_DEPTH. Every node with kids goes through it. */
bool node_finish(struct cctx *c, struct node *n, struct loc l);
/* False, with one error at l, when allocating bytes more would pass VG_MAX_RULESET_BYTES. */
bool budget_bytes(struct cctx *c, size_t bytes, struct loc l);
struct node *compile_cmp(struct cctx *c, const struct synval *lhs, enum op op, struct loc op_loc,
			 const struct synval *vals, int nvals, bool in_list_name);
struct node *node_new(struct cctx *c, enum nkind k, int nkids);
uint64_t node_types(const struct node *n);
void compile_all_defs(struct cctx *c); /* every macro and list, in file order */
bool operand_from_name(struct cctx *c, const char *name, struct loc l, struct operand *out);

/* eval.c */
#define VG_PATH_PREFIXES 64
/* The prefixes of a path that pmatch looks up in a set (its '/' boundaries), hashed. */
struct path_prefixes {
	const char *p;
	size_t len;
	int n;                   /* -1: more than VG_PATH_PREFIXES */
	uint32_t at[VG_PATH_PREFIXES];
	uint64_t hash[VG_PATH_PREFIXES];
};
struct ectx {
	struct vg_ruleset *rs;
	const struct vg_event *ev;
	struct vg_proctable *pt;
	const struct vg_proc *anc[VG_ANCESTORS + 1]; /* [0] is ev->proc */
	int nanc;                /* -1 until looked up */
	const struct vg_value *caps; /* captures of the partial sequence being tried */
	const bool *caps_set;
	bool limited;            /* the last eval_node's result was decided by a regex limit */
	uint64_t epoch;          /* names this event in the ruleset's memo */
	struct path_prefixes paths[2]; /* the last two paths pmatch looked up in a set */
	int next_path;
};
void ectx_init(struct ectx *c, struct vg_ruleset *rs, const struct vg_event *ev,
	       struct vg_proctable *pt);
const struct vg_proc *ectx_proc(struct ectx *c, int rel); /* NULL when unknown */
int ectx_ancestors(struct ectx *c);                       /* how many, 0..8 */
/* The value of an operand (the i-th for ANC_ANY); false when absent. */
bool operand_get(struct ectx *c, const struct operand *o, int i, struct vg_value *out);
/* A regex that hits its match limit is neither a match nor a miss: the tree is evaluated
 * in three-valued logic (unknown and false is false, unknown or true is true, not unknown
 * is unknown), and an unknown result counts as a match with c->limited set, so an
 * attacker cannot dodge a rule, positive or negated, by feeding it a costly subject. */
bool eval_node(struct ectx *c, const struct node *n);
/* PCRE2 limits that bound one regex match (VG_REGEX_* in eval.c); NULL when out of memory. */
pcre2_match_context *regex_match_context(void);
/* fnmatch(pattern, s, 0) semantics in O(pattern x subject) time, never exponential. */
bool glob_match(const char *pat, const char *s, size_t len);
struct strset *strset_new(struct vg_ruleset *rs, const struct vg_value *vals, int n);
void value_render(struct vg_buf *b, const struct vg_value *v);

/* template.c */
bool tmpl_compile(struct cctx *c, struct tmpl *t, const char *text, const struct src *src);
void tmpl_render(struct ectx *c, const struct tmpl *t, struct vg_buf *out);

/* state.c: frequency and sequence state, capped */
struct evidence {
	int n;
	struct vg_event *ev[MAX_EVIDENCE]; /* snapshots, owned */
};
struct seq_match {
	struct evidence ev;
	struct vg_value caps[MAX_SLOTS];
	bool caps_set[MAX_SLOTS];
	char *owned[MAX_SLOTS]; /* copies of captured strings */
};
struct partial;
struct fstate *fstate_new(const struct vg_rules_opts *o);
void fstate_free(struct fstate *s);
/* Counts an event that matched a frequency rule; true when the threshold is reached:
 * out then holds the evidence (the caller clears it). */
bool freq_update(struct ectx *c, struct rule *r, struct evidence *out);
/* Feeds an event to a sequence rule; true when a sequence completed into out (the caller
 * clears it). may_start: the first step can hold (false: index.c ruled it out). */
bool seq_update(struct ectx *c, struct rule *r, struct seq_match *out, bool may_start);
void evidence_clear(struct evidence *e);
void seq_match_clear(struct seq_match *m);
struct vg_event *event_snapshot(struct ectx *c); /* of the current event; never NULL */

/* pushdown.c: a deny rule's condition must be one the permission path decides */
void deny_check(struct cctx *c, const struct rule *r, const struct src *action_src);

/* ratelimit.c */
struct limiter *limiter_new(const struct vg_rules_opts *o);
void limiter_free(struct limiter *l);
bool limiter_allow(struct limiter *l, int rule, uint32_t pid, uint64_t now_ns);

#endif

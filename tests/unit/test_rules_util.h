/* test_rules_util.h — synthetic processes and events for the rule engine's unit tests
 * (test_rules_*.c): a real process table filled by hand, a record header, and an alert
 * collector. */
#ifndef TEST_RULES_UTIL_H
#define TEST_RULES_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "decode/fields.h"
#include "event.h"
#include "output/json.h"
#include "proc/proctable.h"
#include "rules/rules.h"

#define FIXTURES "tests/unit/rules_fixtures"
#define SEC 1000000000ull

/* A process with an image; argv is space-separated here for brevity. */
static inline struct vg_proc *tproc(struct vg_proctable *pt, pid_t pid, pid_t ppid, const char *comm,
				    const char *exe, const char *args)
{
	struct vg_proc *p = vg_proctable_insert(pt, pid);
	char argv[1024];
	size_t n = strlen(args);

	memcpy(argv, args, n + 1);
	for (size_t i = 0; i < n; i++)
		if (argv[i] == ' ')
			argv[i] = 0;
	p->ppid = ppid;
	p->sid = ppid;
	p->start_time = 1000 + (uint64_t)pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	snprintf(p->exec_id, sizeof(p->exec_id), "e%d", pid);
	vg_proc_set_str(&p->exe, exe, strlen(exe));
	vg_proc_set_str(&p->cwd, "/root", 5);
	vg_proc_set_argv(p, argv, n + 1);
	p->container.in_host = true;
	return p;
}

struct tev {
	struct vg_hdr hdr;
	struct vg_event ev;
};

static inline struct vg_event *tevent(struct tev *t, const char *type, struct vg_proc *p, uint64_t ts)
{
	int ty = vg_event_by_name(type);

	assert_true(ty >= 0);
	memset(t, 0, sizeof(*t));
	t->hdr.size = sizeof(t->hdr); /* a record is at least its header: snapshots copy size bytes */
	t->hdr.type = (uint16_t)ty;
	t->hdr.pid = t->hdr.tid = (uint32_t)p->pid;
	t->hdr.ppid = (uint32_t)p->ppid;
	t->hdr.uid = p->uid;
	t->hdr.euid = p->euid;
	t->hdr.auid = p->auid;
	t->hdr.seq = ts;
	t->ev.raw = &t->hdr;
	t->ev.type = (uint16_t)ty;
	t->ev.ts_ns = ts;
	t->ev.proc = p;
	return &t->ev;
}

/* Adds an event field by name; the field must exist in the registry. */
static inline const struct vg_field *tfield(const char *name)
{
	const struct vg_field *f = vg_field_find(name);

	if (!f)
		fail_msg("event field %s is not registered", name);
	return f;
}

static inline void tadd_str(struct vg_event *ev, const char *name, const char *s)
{
	vg_event_add_str(ev, tfield(name), s, strlen(s));
}

static inline void tadd_int(struct vg_event *ev, const char *name, int64_t i)
{
	vg_event_add_int(ev, tfield(name), i);
}

/* Alerts seen, for assertions. */
struct seen {
	int n;
	char rule[32][128];
	char output[32][512];
	int nevidence[32];
	char evidence0[32][4096];
	enum vg_action action[32];
	enum vg_priority prio[32];
};

static inline void collect(const struct vg_alert *a, void *ctx)
{
	struct seen *s = ctx;

	if (s->n == 32)
		return;
	snprintf(s->rule[s->n], sizeof(s->rule[0]), "%s", a->rule);
	snprintf(s->output[s->n], sizeof(s->output[0]), "%s", a->output);
	s->nevidence[s->n] = a->nevidence;
	s->evidence0[s->n][0] = 0;
	if (a->nevidence) { /* the first evidence event as the JSON sinks would show it */
		struct vg_buf b = { 0 };

		vg_json_event(&b, a->evidence[0]);
		snprintf(s->evidence0[s->n], sizeof(s->evidence0[0]), "%s", b.p);
		vg_buf_free(&b);
	}
	s->action[s->n] = a->action;
	s->prio[s->n] = a->priority;
	s->n++;
}

/* Loads YAML text, failing the test with every error when it does not load. */
static inline struct vg_ruleset *tload(const char *yaml)
{
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load_text("t.yaml", yaml, NULL, &errs);

	for (int i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	if (!rs)
		fail_msg("rules did not load");
	vg_rules_errors_free(&errs);
	return rs;
}

/* The single error a bad rules text must produce. */
static inline void texpect_error(const char *yaml, const char *want)
{
	struct vg_rules_errors errs;
	struct vg_ruleset *rs = vg_rules_load_text("t.yaml", yaml, NULL, &errs);

	assert_null(rs);
	assert_true(errs.n >= 1);
	if (strcmp(errs.msg[0], want) != 0)
		fail_msg("got  '%s'\nwant '%s'", errs.msg[0], want);
	vg_rules_errors_free(&errs);
}

#endif

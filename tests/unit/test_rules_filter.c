/* test_rules_filter.c — the kernel filter derived from the rules (src/rules/filter.c).
 *
 * Soundness is checked against the rule engine itself: a stream of synthetic events goes
 * through a ruleset whole, and through a second copy of the ruleset with only the events a
 * reference judge of the derived filter passes; the alerts must be the same. The reference
 * judge reads the atoms as their descriptions say (bpf/vigil_filter.h), on strings, the way
 * the kernel reads their hashes; EXE atoms pass the executables the stream exec'd, as the
 * kernel remembers them. Each case also names events the filter must drop, so that a
 * filter that passes everything fails. */
#include "test_rules_util.h"
#include "vigil_filter.h"

struct tcase {
	const char *type;
	const char *comm; /* the process: comm, and exe /usr/bin/COMM */
	const char *path; /* file.path (NULL: none) */
	int ret;
	bool write;       /* open: O_WRONLY */
	const char *call; /* open: file.call (NULL: openat) */
	bool at_agent;    /* open: evt.at_agent */
	unsigned uid;
	bool dropped;     /* the filter must drop it */
};

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether the path has a component (a directory when dir_only) for which test holds. */
static bool some_component(const char *path, bool dir_only, bool (*test)(const char *, size_t, const char *),
			   const char *text)
{
	for (const char *p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n && (!dir_only || p[n] == '/') && test(p, n, text))
			return true;
		p += n;
	}
	return false;
}

static bool name_is(const char *s, size_t n, const char *text)
{
	return strlen(text) == n && memcmp(s, text, n) == 0;
}

static bool name_starts(const char *s, size_t n, const char *text)
{
	return strlen(text) <= n && memcmp(s, text, strlen(text)) == 0;
}

static bool atom_matches(const struct vg_filter_atom *a, const struct tcase *c, const char *exes)
{
	const char *path = c->path, *comm = c->comm;
	const char *leaf = path ? strrchr(path, '/') + 1 : NULL;
	char buf[4200];

	switch (a->kind) {
	case VG_ATOM_COMM: return strcmp(comm, a->text) == 0;
	case VG_ATOM_COMM_START: return starts(comm, a->text);
	case VG_ATOM_DPORT:
	case VG_ATOM_DADDR: return true; /* no network events here */
	case VG_ATOM_CALL: return strcmp(c->call ? c->call : "openat", a->text) == 0;
	case VG_ATOM_AGENT: return c->at_agent;
	}
	if (!path)
		return false;
	switch (a->kind) {
	case VG_ATOM_EXACT: return strcmp(path, a->text) == 0;
	case VG_ATOM_PREFIX:
		snprintf(buf, sizeof(buf), "%s/", a->text);
		return strcmp(path, a->text) == 0 || starts(path, buf);
	case VG_ATOM_PARTIAL:
		snprintf(buf, sizeof(buf), "%s/%s", strcmp(a->text, "/") ? a->text : "", a->start);
		return starts(path, buf);
	case VG_ATOM_DIR: return some_component(path, true, name_is, a->text);
	case VG_ATOM_START: return some_component(path, false, name_starts, a->text);
	case VG_ATOM_LEAF: return strcmp(leaf, a->text) == 0;
	case VG_ATOM_END: return strlen(leaf) >= strlen(a->text) && !strcmp(leaf + strlen(leaf) - strlen(a->text), a->text);
	case VG_ATOM_EXE:
		snprintf(buf, sizeof(buf), "\n%s\n", path);
		return strstr(exes, buf) != NULL;
	}
	return true;
}

/* The reference judge: whether the kernel lets the event through. */
static bool passes(const struct vg_kernel_filter *f, const struct tcase *c, const char *exes)
{
	int type = vg_event_by_name(c->type);
	unsigned cls = (c->ret < 0 ? VG_FC_FAIL : 0) | (c->write ? VG_FC_WRITE : 0);

	if (!f->on[type] || (f->any[type] >> cls & 1))
		return true;
	for (int i = 0; i < f->natoms; i++)
		if (f->atoms[i].type == (unsigned)type && (f->atoms[i].classes >> cls & 1) &&
		    atom_matches(&f->atoms[i], c, exes))
			return true;
	return false;
}

static struct vg_event *event_of(struct tev *t, struct vg_proctable *pt, const struct tcase *c, int i)
{
	struct vg_proc *p = vg_proctable_get(pt, 1000 + i);
	char exe[64];
	struct vg_event *ev;

	snprintf(exe, sizeof(exe), "/usr/bin/%s", c->comm);
	if (!p)
		p = tproc(pt, 1000 + i, 999, c->comm, exe, c->comm);
	p->uid = p->euid = c->uid;
	ev = tevent(t, c->type, p, (uint64_t)(i + 1) * SEC);
	memcpy(t->hdr.comm, c->comm, strnlen(c->comm, sizeof(t->hdr.comm) - 1));
	t->hdr.ret = c->ret;
	if (c->path)
		tadd_str(ev, "file.path", c->path);
	if (!strcmp(c->type, "open")) {
		tadd_str(ev, "file.flag_names", c->write ? "O_WRONLY" : "O_RDONLY");
		tadd_str(ev, "file.call", c->call ? c->call : "openat");
		if (c->at_agent)
			t->hdr.flags |= VG_F_AT_AGENT;
	}
	return ev;
}

/* One process per case, all children of pid 999 (a sequence's scope: tree of 999). */
static int run_stream(const char *yaml, const struct tcase *cases, int n, const struct vg_kernel_filter *f,
		      struct seen *s)
{
	struct vg_proctable *pt = vg_proctable_new(64);
	struct vg_ruleset *rs = tload(yaml);
	char exes[8192] = "\n";
	int delivered = 0;

	tproc(pt, 999, 1, "init", "/sbin/init", "init");
	for (int i = 0; i < n; i++) {
		struct tev t;
		struct vg_event *ev = event_of(&t, pt, &cases[i], i);

		if (!strcmp(cases[i].type, "exec")) /* the kernel remembers every exec it sees */
			snprintf(exes + strlen(exes), sizeof(exes) - strlen(exes), "/usr/bin/%s\n", cases[i].comm);
		if (f && !passes(f, &cases[i], exes))
			continue;
		delivered++;
		vg_rules_eval(rs, ev, pt, collect, s);
	}
	vg_ruleset_free(rs);
	vg_proctable_free(pt);
	return delivered;
}

#define RULE(cond) "- rule: r\n  desc: d\n  priority: warning\n  output: o\n  condition: " cond "\n"

/* The case's stream gives the same alerts with the filter as without, and every event it
 * says is dropped is. */
static void check_case(const char *yaml, const struct tcase *cases, int n, int alerts)
{
	struct vg_ruleset *rs = tload(yaml);
	struct vg_kernel_filter f;
	struct seen whole = { 0 }, filtered = { 0 };
	char exes[8192] = "\n";

	vg_rules_kernel_filter(rs, &f);
	vg_ruleset_free(rs);
	for (int i = 0; i < n; i++) {
		if (!strcmp(cases[i].type, "exec"))
			snprintf(exes + strlen(exes), sizeof(exes) - strlen(exes), "/usr/bin/%s\n", cases[i].comm);
		if (cases[i].dropped && passes(&f, &cases[i], exes))
			fail_msg("case %d (%s %s by %s) should be dropped", i, cases[i].type,
				 cases[i].path ? cases[i].path : "", cases[i].comm);
	}
	run_stream(yaml, cases, n, NULL, &whole);
	run_stream(yaml, cases, n, &f, &filtered);
	assert_int_equal(whole.n, alerts);
	assert_int_equal(filtered.n, whole.n);
	for (int i = 0; i < whole.n; i++)
		assert_string_equal(filtered.rule[i], whole.rule[i]);
	vg_kernel_filter_free(&f);
}

#define CHECK(yaml, alerts, ...)                                                              \
	do {                                                                                  \
		const struct tcase cases_[] = { __VA_ARGS__ };                                \
		check_case(yaml, cases_, (int)(sizeof(cases_) / sizeof(cases_[0])), alerts); \
	} while (0)

#define EV(type_, comm_, path_, ...) { .type = type_, .comm = comm_, .path = path_, __VA_ARGS__ }
#define OPEN(comm, path, ...) EV("open", comm, path, __VA_ARGS__)

static void test_paths_and_names(void **state)
{
	CHECK(RULE("evt.type = open and file.path in (/etc/shadow, /etc/gshadow)"), 1,
	      OPEN("cat", "/etc/shadow"), OPEN("cat", "/etc/passwd", .dropped = true),
	      OPEN("cat", "/etc/shadow/x", .dropped = true), OPEN("cat", "/etc", .dropped = true));
	CHECK(RULE("evt.type = open and file.path pmatch (/etc/cron.d)"), 2,
	      OPEN("sh", "/etc/cron.d"), OPEN("sh", "/etc/cron.d/job"), OPEN("sh", "/etc/cron.daily", .dropped = true));
	CHECK(RULE("evt.type = open and file.path startswith /var/spool/cr"), 1,
	      OPEN("sh", "/var/spool/cron/root"), OPEN("sh", "/var/spool/at/x", .dropped = true));
	CHECK(RULE("evt.type = unlink and file.path endswith .bash_history"), 1,
	      EV("unlink", "rm", "/root/.bash_history"), EV("unlink", "rm", "/root/notes", .dropped = true),
	      OPEN("rm", "/root/notes", .dropped = true)); /* no rule looks at opens */
	CHECK(RULE("evt.type = open and file.path contains /.ssh/"), 1,
	      OPEN("scp", "/home/a/.ssh/id_rsa"), OPEN("scp", "/home/a/ssh/id_rsa", .dropped = true));
	/* AND keeps the side that lets less through (an atom is one fact): the names here */
	CHECK(RULE("evt.type = open and proc.name in (nc, ncat) and file.path startswith /tmp"), 1,
	      OPEN("nc", "/tmp/x"), OPEN("bash", "/tmp/x", .dropped = true), OPEN("nc", "/var/x"));
}

static void test_classes(void **state)
{
	/* flags and the return value are judged by class */
	CHECK(RULE("evt.type = open and file.flag_names contains WR and file.path startswith /etc/"), 1,
	      OPEN("vi", "/etc/hosts", .write = true), OPEN("vi", "/etc/hosts", .dropped = true));
	CHECK(RULE("evt.type = open and evt.ret < 0 and file.path = /etc/shadow"), 1,
	      EV("open", "cat", "/etc/shadow", .ret = -13), OPEN("cat", "/etc/shadow", .dropped = true));
	/* a failed open of anything passes when a rule takes every failed open */
	CHECK(RULE("evt.type = open and evt.ret < 0"), 2,
	      EV("open", "cat", "/x", .ret = -2), EV("open", "cat", "/y", .ret = -13), OPEN("cat", "/x", .dropped = true));
}

/* file.call is judged in the kernel: a rule on one way of opening passes only those opens */
static void test_calls(void **state)
{
	CHECK(RULE("evt.type = open and file.call = open_by_handle_at and not proc.name in (ganesha.nfsd)"), 1,
	      OPEN("sh", "/etc/shadow", .call = "open_by_handle_at"), OPEN("sh", "/etc/shadow", .dropped = true),
	      OPEN("ganesha.nfsd", "/x", .call = "open_by_handle_at"), OPEN("sh", "/x", .call = "io_uring", .dropped = true));
	CHECK(RULE("evt.type = open and file.call in (io_uring, openat2) and file.path startswith /etc/"), 2,
	      OPEN("sh", "/etc/a", .call = "io_uring"), OPEN("sh", "/etc/a", .call = "openat2"), OPEN("sh", "/etc/a"),
	      OPEN("sh", "/tmp/a", .call = "creat", .dropped = true));
	/* a name no open has matches nothing; a test the kernel does not judge passes everything */
	CHECK(RULE("evt.type = open and file.call = nosuchcall"), 0, OPEN("sh", "/x", .dropped = true));
	CHECK(RULE("evt.type = open and file.call != openat"), 1, OPEN("sh", "/x", .call = "creat"), OPEN("sh", "/x"));
}

/* evt.at_agent is judged in the kernel for opens: a write open of one of the agent's files */
static void test_at_agent(void **state)
{
	CHECK(RULE("evt.type in (open, write) and evt.at_agent = true"), 1,
	      OPEN("sh", "/usr/sbin/vigil", .write = true, .at_agent = true), OPEN("sh", "/usr/sbin/vigil", .dropped = true));
	CHECK(RULE("evt.type = open and (evt.at_agent = true or file.path = /etc/shadow)"), 2,
	      OPEN("sh", "/x", .at_agent = true), OPEN("sh", "/etc/shadow"), OPEN("sh", "/x", .dropped = true));
	CHECK(RULE("evt.type = open and evt.at_agent = false"), 2, OPEN("sh", "/x", .at_agent = true), OPEN("sh", "/x"),
	      OPEN("sh", "/y"));
}

static void test_not(void **state)
{
	/* NOT of what the kernel cannot judge exactly lets everything through */
	CHECK(RULE("evt.type = open and not file.path startswith /etc"), 2,
	      OPEN("cat", "/tmp/a"), OPEN("cat", "/etc/passwd"), OPEN("cat", "/root/b"));
	CHECK(RULE("evt.type = open and not proc.name = cat"), 1, OPEN("cat", "/tmp/a"), OPEN("dd", "/tmp/a"));
	/* NOT of an exact test (the return value) flips it */
	CHECK(RULE("evt.type = open and not evt.ret < 0 and file.path = /etc/shadow"), 1,
	      OPEN("cat", "/etc/shadow"), EV("open", "cat", "/etc/shadow", .ret = -13, .dropped = true),
	      OPEN("cat", "/etc/passwd", .dropped = true));
	/* NOT of a class test joined with what the kernel cannot judge: every class passes */
	CHECK(RULE("evt.type = open and not (evt.ret < 0 and user.uid = 0)"), 2,
	      EV("open", "cat", "/x", .ret = -13), EV("open", "cat", "/x", .ret = -13, .uid = 1000),
	      OPEN("cat", "/x"));
	/* not (A and B): true whenever either fails */
	CHECK(RULE("evt.type = open and not (file.path = /etc/shadow and proc.name = cat)"), 2,
	      OPEN("cat", "/etc/shadow"), OPEN("dd", "/etc/shadow"), OPEN("cat", "/etc/passwd"));
	/* an exception (and not ...) never narrows what passes below what the rule needs */
	CHECK(RULE("evt.type = open and file.path = /etc/shadow and not proc.name in (passwd, chage)"), 1,
	      OPEN("passwd", "/etc/shadow"), OPEN("cat", "/etc/shadow"), OPEN("cat", "/etc/motd", .dropped = true));
}

static void test_regex(void **state)
{
	/* ^ and a literal prefix: the directory and how the name below it starts */
	CHECK(RULE("evt.type = open and file.path regex \"^/etc/(cron[.]d|cron[.]daily)/\""), 2,
	      OPEN("sh", "/etc/cron.d/job"), OPEN("sh", "/etc/cron.daily/x"),
	      OPEN("sh", "/etc/crontab", .dropped = true), OPEN("sh", "/etc/passwd", .dropped = true));
	/* a literal end before $: the file name ends with it (or with it and a newline) */
	CHECK(RULE("evt.type = open and file.path regex \"[.]pem$\""), 2,
	      OPEN("sh", "/srv/key.pem"), OPEN("sh", "/srv/key.pem\n"), OPEN("sh", "/srv/key.pem.bak", .dropped = true));
	/* inside: a whole component between slashes */
	CHECK(RULE("evt.type = open and file.path regex \"/[.]ssh/id_[a-z0-9]+$\""), 1,
	      OPEN("cp", "/home/u/.ssh/id_ed25519"), OPEN("cp", "/home/u/notes/id_x", .dropped = true));
	/* what the reader does not follow is "might match": every open passes */
	CHECK(RULE("evt.type = open and file.path regex \"(?i)^/ETC/SHADOW$\""), 2,
	      OPEN("cat", "/etc/shadow"), OPEN("cat", "/ETC/SHADOW"), OPEN("cat", "/tmp/x"));
	CHECK(RULE("evt.type = open and file.path regex \"^/(?=etc)etc/passwd\""), 1,
	      OPEN("cat", "/etc/passwd"), OPEN("cat", "/tmp/x"));
	/* alternatives at the top: the atoms of each */
	CHECK(RULE("evt.type = open and file.path regex \"^/root/[.]bashrc$|/authorized_keys2?$\""), 3,
	      OPEN("sh", "/root/.bashrc"), OPEN("sh", "/home/u/.ssh/authorized_keys"),
	      OPEN("sh", "/home/u/.ssh/authorized_keys2"), OPEN("sh", "/root/.profile", .dropped = true));
}

static void test_sequences(void **state)
{
	/* every step's atoms pass: the exec is never filtered, the open of the step is */
	CHECK("- rule: s\n  desc: d\n  priority: warning\n  output: o\n  sequence:\n    window: 10s\n"
	      "    scope: host\n    steps:\n      - condition: evt.type = exec and proc.name = curl\n"
	      "      - condition: evt.type = open and file.path = /etc/passwd\n",
	      1, EV("exec", "curl", NULL), OPEN("cat", "/etc/hosts", .dropped = true), OPEN("cat", "/etc/passwd"));
	/* a later step that compares with the executable an earlier step saw start: the
	 * executables that ran pass, others are dropped */
	CHECK("- rule: s\n  desc: d\n  priority: warning\n  output: o\n  sequence:\n    window: 10m\n"
	      "    scope: host\n    steps:\n      - name: started\n        condition: evt.type = exec and evt.ret = 0"
	      " and proc.name = dropper\n"
	      "      - condition: evt.type = unlink and file.path = $started.proc.exe\n",
	      1, EV("unlink", "rm", "/usr/bin/dropper", .dropped = true), EV("exec", "dropper", NULL),
	      EV("unlink", "rm", "/usr/bin/other", .dropped = true), EV("unlink", "rm", "/usr/bin/dropper"));
}

/* A list of names builds one atom per name in time and memory linear in the list (each OR
 * once copied every atom so far: 5,000 names cost tens of GB); past MAX_APPROX_ATOMS
 * (filter.c) the rule lets every open through instead. */
static void test_large_lists_stay_linear(void **state)
{
	static const int sizes[] = { 5000, 9000 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t cap = 64 + (size_t)sizes[k] * 16, len;
		char *text = malloc(cap);
		struct vg_ruleset *rs;
		struct vg_kernel_filter f;
		int names = 0;

		len = (size_t)snprintf(text, cap, "- list: many\n  items: [");
		for (int i = 0; i < sizes[k]; i++)
			len += (size_t)snprintf(text + len, cap - len, "%sn%d", i ? ", " : "", i);
		snprintf(text + len, cap - len, "]\n%s", RULE("evt.type = open and proc.name in (many)"));
		rs = tload(text);
		vg_rules_kernel_filter(rs, &f);
		for (int i = 0; i < f.natoms; i++)
			names += f.atoms[i].type == VG_EV_OPEN && f.atoms[i].kind == VG_ATOM_COMM;
		if (sizes[k] <= 8192) {
			assert_true(f.on[VG_EV_OPEN]);
			assert_int_equal(names, sizes[k]);
		} else {
			assert_false(f.on[VG_EV_OPEN]);
		}
		vg_kernel_filter_free(&f);
		vg_ruleset_free(rs);
		free(text);
	}
}

static void test_no_rule_needs_a_type(void **state)
{
	struct vg_ruleset *rs = tload(RULE("evt.type = exec and proc.name = nc"));
	struct vg_kernel_filter f;

	vg_rules_kernel_filter(rs, &f);
	/* no rule looks at opens: every one is dropped; exec is never filtered */
	assert_true(f.on[VG_EV_OPEN] && f.any[VG_EV_OPEN] == 0);
	for (int i = 0; i < f.natoms; i++)
		assert_int_not_equal(f.atoms[i].type, VG_EV_OPEN);
	assert_false(f.on[VG_EV_EXEC]);
	vg_kernel_filter_free(&f);
	vg_ruleset_free(rs);

	/* a rule that can match any open turns the open filter off */
	rs = tload(RULE("evt.type = open and user.uid = 0"));
	vg_rules_kernel_filter(rs, &f);
	assert_false(f.on[VG_EV_OPEN]);
	assert_non_null(f.why[VG_EV_OPEN]);
	vg_kernel_filter_free(&f);
	vg_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_and_names), cmocka_unit_test(test_classes), cmocka_unit_test(test_calls),
		cmocka_unit_test(test_at_agent),
		cmocka_unit_test(test_not),		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_sequences),	cmocka_unit_test(test_no_rule_needs_a_type),
		cmocka_unit_test(test_large_lists_stay_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

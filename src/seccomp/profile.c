/* profile.c — the seccomp profile: building it, writing it as the OCI runtime-spec /
 * Docker JSON, and reading such JSON back (with jansson: a strict, well-kept parser that
 * reports line and column, so a hand-edited profile gets a precise error).
 *
 * Written, a profile is meant for review: one rule per section, each with a "comment"
 * (Docker's field; runc ignores it) saying what the section is, names sorted and wrapped. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/buf.h"
#include "output/json.h"
#include "seccomp/seccomp.h"

#if !defined(__x86_64__)
#error "the 32-bit ABI of vigil seccomp is x86's (TS_COMPAT, SCMP_ARCH_X86)"
#endif

/* The seccomp architecture of each ABI the recorder tells apart (seccomp_event.h). */
static const char *const abi_arch[VG_SC_ABI__COUNT] = {
	[VG_SC_ABI_NATIVE] = "SCMP_ARCH_X86_64",
	[VG_SC_ABI_COMPAT] = "SCMP_ARCH_X86",
};

/* Syscalls whose ENOSYS makes glibc fall back to an older call: denied with the default
 * errno (EPERM) they would make the program fail instead. */
static const struct {
	const char *name;
	unsigned errno_ret;
	const char *comment;
} fallbacks[] = {
	{ "clone3", ENOSYS, "vigil: ENOSYS so that glibc falls back to clone" },
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		abort();
	return d;
}

const char *vg_sc_abi_arch(enum vg_seccomp_abi abi)
{
	return abi < VG_SC_ABI__COUNT ? abi_arch[abi] : NULL;
}

unsigned vg_sc_arch_token(const char *arch)
{
	char name[32];
	size_t i;

	if (strncmp(arch, "SCMP_ARCH_", 10) != 0 || strlen(arch + 10) >= sizeof(name))
		return 0;
	for (i = 0; arch[10 + i]; i++)
		name[i] = (char)tolower((unsigned char)arch[10 + i]);
	name[i] = 0;
	return seccomp_arch_resolve_name(name);
}

char *vg_sc_syscall_name(const char *arch, int nr)
{
	unsigned token = vg_sc_arch_token(arch);

	return token ? seccomp_syscall_resolve_num_arch(token, nr) : NULL;
}

/* X(name): the actions a profile may use (SCMP_ACT_NOTIFY needs a listener: refused). */
#define VG_SC_ACTIONS(X) X(ALLOW) X(LOG) X(ERRNO) X(TRACE) X(TRAP) X(KILL) X(KILL_THREAD) X(KILL_PROCESS)

static bool action_known(const char *action)
{
#define VG_SC_KNOWN(name) if (strcmp(action, "SCMP_ACT_" #name) == 0) return true;
	VG_SC_ACTIONS(VG_SC_KNOWN)
#undef VG_SC_KNOWN
	return false;
}

bool vg_sc_action_allows(const char *action)
{
	return strcmp(action, "SCMP_ACT_ALLOW") == 0 || strcmp(action, "SCMP_ACT_LOG") == 0;
}

void vg_sc_profile_init(struct vg_sc_profile *p)
{
	*p = (struct vg_sc_profile){ .default_action = xstrdup("SCMP_ACT_ERRNO"), .has_default_errno = true,
				     .default_errno = EPERM };
}

static void strings_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void vg_sc_profile_free(struct vg_sc_profile *p)
{
	free(p->default_action);
	strings_free(p->arches, p->narches);
	strings_free(p->flags, p->nflags);
	for (int i = 0; i < p->nrules; i++) {
		free(p->rules[i].action);
		free(p->rules[i].comment);
		strings_free(p->rules[i].names, p->rules[i].nnames);
	}
	free(p->rules);
	*p = (struct vg_sc_profile){ 0 };
}

static void add_unique(char ***v, int *n, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

void vg_sc_profile_add_arch(struct vg_sc_profile *p, const char *arch)
{
	add_unique(&p->arches, &p->narches, arch);
}

void vg_sc_profile_add_flag(struct vg_sc_profile *p, const char *flag)
{
	add_unique(&p->flags, &p->nflags, flag);
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static struct vg_sc_rule *rule_for(struct vg_sc_profile *p, const char *action, bool has_errno,
				   unsigned errno_ret, const char *comment)
{
	struct vg_sc_rule *r;

	for (int i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (strcmp(r->action, action) == 0 && r->has_errno == has_errno &&
		    (!has_errno || r->errno_ret == errno_ret) && same(r->comment, comment))
			return r;
	}
	p->rules = xrealloc(p->rules, (p->nrules + 1) * sizeof(*p->rules));
	r = &p->rules[p->nrules++];
	*r = (struct vg_sc_rule){ .action = xstrdup(action), .has_errno = has_errno, .errno_ret = errno_ret,
				  .comment = xstrdup(comment) };
	return r;
}

/* The index name has (or would have) in the sorted names of r; *found says which. */
static int name_pos(const struct vg_sc_rule *r, const char *name, bool *found)
{
	int lo = 0, hi = r->nnames;

	while (lo < hi) {
		int mid = (lo + hi) / 2, c = strcmp(r->names[mid], name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

void vg_sc_profile_add(struct vg_sc_profile *p, const char *action, bool has_errno, unsigned errno_ret,
		       const char *comment, const char *name)
{
	struct vg_sc_rule *r = rule_for(p, action, has_errno, errno_ret, comment);
	bool found;
	int at = name_pos(r, name, &found);

	if (found)
		return;
	r->names = xrealloc(r->names, (r->nnames + 1) * sizeof(*r->names));
	memmove(r->names + at + 1, r->names + at, (r->nnames - at) * sizeof(*r->names));
	r->names[at] = xstrdup(name);
	r->nnames++;
}

/* The first rule that lists name, or NULL. */
static const struct vg_sc_rule *rule_of(const struct vg_sc_profile *p, const char *name, bool allowing)
{
	bool found;

	for (int i = 0; i < p->nrules; i++)
		if (vg_sc_action_allows(p->rules[i].action) == allowing)
			if (name_pos(&p->rules[i], name, &found), found)
				return &p->rules[i];
	return NULL;
}

bool vg_sc_profile_allows(const struct vg_sc_profile *p, const char *name)
{
	if (rule_of(p, name, true))
		return true;
	return !rule_of(p, name, false) && vg_sc_action_allows(p->default_action);
}

void vg_sc_profile_finish(struct vg_sc_profile *p)
{
	int kept = 0;

	for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++)
		if (!vg_sc_profile_allows(p, fallbacks[i].name) && !rule_of(p, fallbacks[i].name, false))
			vg_sc_profile_add(p, "SCMP_ACT_ERRNO", true, fallbacks[i].errno_ret, fallbacks[i].comment,
					  fallbacks[i].name);
	for (int i = 0; i < p->nrules; i++) {
		if (p->rules[i].nnames) {
			p->rules[kept++] = p->rules[i];
			continue;
		}
		free(p->rules[i].action);
		free(p->rules[i].comment);
		free(p->rules[i].names);
	}
	p->nrules = kept;
}

/* ---- writing ---- */

static void strings_json(struct vg_buf *b, char *const *v, int n, const char *indent)
{
	vg_buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			vg_buf_putc(b, ',');
		if (i % 6 == 0) /* wrapped for review */
			vg_buf_printf(b, "\n%s  ", indent);
		else
			vg_buf_putc(b, ' ');
		vg_json_cstr(b, v[i]);
	}
	vg_buf_printf(b, "%s%s]", n ? "\n" : "", n ? indent : "");
}

int vg_sc_profile_write(const struct vg_sc_profile *p, FILE *out)
{
	struct vg_buf b = { 0 };
	int rc;

	vg_buf_puts(&b, "{\n  \"defaultAction\": ");
	vg_json_cstr(&b, p->default_action);
	if (p->has_default_errno)
		vg_buf_printf(&b, ",\n  \"defaultErrnoRet\": %u", p->default_errno);
	vg_buf_puts(&b, ",\n  \"architectures\": ");
	strings_json(&b, p->arches, p->narches, "  ");
	if (p->nflags) {
		vg_buf_puts(&b, ",\n  \"flags\": ");
		strings_json(&b, p->flags, p->nflags, "  ");
	}
	vg_buf_puts(&b, ",\n  \"syscalls\": [");
	for (int i = 0; i < p->nrules; i++) {
		const struct vg_sc_rule *r = &p->rules[i];

		vg_buf_puts(&b, i ? ",\n    {" : "\n    {");
		if (r->comment) {
			vg_buf_puts(&b, "\n      \"comment\": ");
			vg_json_cstr(&b, r->comment);
			vg_buf_putc(&b, ',');
		}
		vg_buf_puts(&b, "\n      \"names\": ");
		strings_json(&b, r->names, r->nnames, "      ");
		vg_buf_puts(&b, ",\n      \"action\": ");
		vg_json_cstr(&b, r->action);
		if (r->has_errno)
			vg_buf_printf(&b, ",\n      \"errnoRet\": %u", r->errno_ret);
		vg_buf_puts(&b, "\n    }");
	}
	vg_buf_puts(&b, p->nrules ? "\n  ]\n}\n" : "]\n}\n");
	rc = fwrite(b.p, 1, b.len, out) == b.len ? 0 : -1;
	vg_buf_free(&b);
	return rc;
}

int vg_sc_profile_save(const struct vg_sc_profile *p, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");

	if (!f || vg_sc_profile_write(p, f) < 0 || (f != stdout ? fclose(f) : fflush(f)) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (f && f != stdout)
			fclose(f);
		return -1;
	}
	return 0;
}

/* ---- reading ---- */

struct reader {
	const char *file;
	char *err;
	size_t errlen;
};

static int fail(struct reader *rd, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct reader *rd, const char *where, const char *fmt, ...)
{
	int n = snprintf(rd->err, rd->errlen, "%s: %s: ", rd->file, where);
	va_list ap;

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < rd->errlen)
		vsnprintf(rd->err + n, rd->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool arch_known(const char *arch)
{
	return vg_sc_arch_token(arch) != 0;
}

/* An array of strings that known() accepts, added to out. */
static int read_strings(struct reader *rd, json_t *v, const char *where, char ***out, int *n,
			bool (*known)(const char *))
{
	size_t i;
	json_t *s;

	if (!json_is_array(v))
		return fail(rd, where, "expected an array of strings");
	json_array_foreach(v, i, s) {
		if (!json_is_string(s))
			return fail(rd, where, "element %zu is not a string", i);
		if (!known(json_string_value(s)))
			return fail(rd, where, "unknown %s '%s'", known == arch_known ? "architecture" : "flag",
				    json_string_value(s));
		add_unique(out, n, json_string_value(s));
	}
	return 0;
}

/* Docker's archMap: the entry of the architecture this machine runs, and its
 * sub-architectures, as Docker picks them. */
static int read_arch_map(struct reader *rd, json_t *v, struct vg_sc_profile *p)
{
	unsigned native = seccomp_arch_native();
	size_t i;
	json_t *m;

	if (!json_is_array(v))
		return fail(rd, "archMap", "expected an array");
	json_array_foreach(v, i, m) {
		json_t *arch = json_object_get(m, "architecture"), *subs = json_object_get(m, "subArchitectures");
		char where[64];

		snprintf(where, sizeof(where), "archMap[%zu]", i);
		if (!json_is_string(arch))
			return fail(rd, where, "expected {\"architecture\": NAME, \"subArchitectures\": [...]}");
		if (vg_sc_arch_token(json_string_value(arch)) != native)
			continue;
		vg_sc_profile_add_arch(p, json_string_value(arch));
		if (subs && read_strings(rd, subs, where, &p->arches, &p->narches, arch_known) < 0)
			return -1;
	}
	return 0;
}

static bool empty(json_t *v)
{
	return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

static int read_errno(struct reader *rd, json_t *v, const char *where, unsigned *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 4095)
		return fail(rd, where, "expected an errno number (0-4095)");
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int read_rule(struct reader *rd, json_t *r, size_t idx, struct vg_sc_profile *p)
{
	static const char *const keys[] = { "names", "name", "action", "errnoRet", "comment", "args", "includes",
					    "excludes", NULL };
	json_t *action = json_object_get(r, "action"), *names = json_object_get(r, "names"), *v, *s;
	const char *key, *comment;
	char where[96];
	bool has_errno = false;
	unsigned errno_ret = 0;
	size_t i;

	snprintf(where, sizeof(where), "syscalls[%zu]", idx);
	if (!json_is_object(r))
		return fail(rd, where, "expected an object");
	json_object_foreach(r, key, v) {
		int k = 0;

		while (keys[k] && strcmp(keys[k], key))
			k++;
		if (!keys[k])
			return fail(rd, where, "unknown key '%s'", key);
		if (strcmp(key, "args") == 0 || strcmp(key, "includes") == 0 || strcmp(key, "excludes") == 0)
			if (!empty(v))
				return fail(rd, where, "'%s' conditions are not supported: a rule of vigil's applies "
						       "to the whole syscall", key);
	}
	if (!json_is_string(action) || !action_known(json_string_value(action)))
		return fail(rd, where, "'action' must be one of SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_ERRNO, "
				       "SCMP_ACT_TRACE, SCMP_ACT_TRAP, SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, "
				       "SCMP_ACT_KILL_PROCESS");
	if ((v = json_object_get(r, "errnoRet"))) {
		if (read_errno(rd, v, where, &errno_ret) < 0)
			return -1;
		has_errno = true;
	}
	comment = json_string_value(json_object_get(r, "comment"));
	if (!names && (v = json_object_get(r, "name"))) { /* the older single-name form */
		names = json_array();
		json_array_append(names, v);
	} else {
		json_incref(names);
	}
	if (!json_is_array(names)) {
		json_decref(names);
		return fail(rd, where, "expected 'names': [...]");
	}
	json_array_foreach(names, i, s) {
		const char *name = json_string_value(s);
		const struct vg_sc_rule *other;

		if (!name || !name[0]) {
			json_decref(names);
			return fail(rd, where, "names[%zu] is not a syscall name", i);
		}
		/* under two actions at once, which one holds depends on the runtime: refuse */
		for (int j = 0; j < p->nrules; j++) {
			bool found;

			other = &p->rules[j];
			if (name_pos(other, name, &found), found)
				if (strcmp(other->action, json_string_value(action)) || other->has_errno != has_errno ||
				    other->errno_ret != errno_ret) {
					json_decref(names);
					return fail(rd, where, "'%s' is also under %s in an earlier rule", name,
						    other->action);
				}
		}
		vg_sc_profile_add(p, json_string_value(action), has_errno, errno_ret, comment, name);
	}
	json_decref(names);
	return 0;
}

static int read_root(struct reader *rd, json_t *root, struct vg_sc_profile *p)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures", "archMap", "flags",
					    "syscalls", NULL };
	json_t *v, *r;
	const char *key;
	size_t i;

	if (!json_is_object(root))
		return fail(rd, "(top)", "expected an object");
	json_object_foreach(root, key, v) {
		int k = 0;

		while (keys[k] && strcmp(keys[k], key))
			k++;
		if (!keys[k])
			return fail(rd, "(top)", "unknown key '%s'%s", key,
				    strncmp(key, "listener", 8) == 0 ? " (SCMP_ACT_NOTIFY listeners are not supported)" : "");
	}
	v = json_object_get(root, "defaultAction");
	if (!json_is_string(v) || !action_known(json_string_value(v)))
		return fail(rd, "defaultAction", "expected an action such as SCMP_ACT_ERRNO");
	free(p->default_action);
	p->default_action = xstrdup(json_string_value(v));
	p->has_default_errno = false;
	if ((v = json_object_get(root, "defaultErrnoRet"))) {
		if (read_errno(rd, v, "defaultErrnoRet", &p->default_errno) < 0)
			return -1;
		p->has_default_errno = true;
	}
	if ((v = json_object_get(root, "architectures")) &&
	    read_strings(rd, v, "architectures", &p->arches, &p->narches, arch_known) < 0)
		return -1;
	if ((v = json_object_get(root, "archMap")) && read_arch_map(rd, v, p) < 0)
		return -1;
	if ((v = json_object_get(root, "flags")) && read_strings(rd, v, "flags", &p->flags, &p->nflags, vg_sc_flag_known) < 0)
		return -1;
	v = json_object_get(root, "syscalls");
	if (v && !json_is_array(v))
		return fail(rd, "syscalls", "expected an array of rules");
	json_array_foreach(v, i, r)
		if (read_rule(rd, r, i, p) < 0)
			return -1;
	return 0;
}

int vg_sc_profile_read(const char *path, struct vg_sc_profile *p, char *err, size_t errlen)
{
	struct reader rd = { path, err, errlen };
	json_error_t je;
	json_t *root = strcmp(path, "-") == 0 ? json_loadf(stdin, JSON_REJECT_DUPLICATES, &je)
					      : json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	int rc;

	vg_sc_profile_init(p);
	if (!root) {
		if (je.line > 0)
			snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		else
			snprintf(err, errlen, "%s: %s", path, je.text);
		vg_sc_profile_free(p);
		return -1;
	}
	rc = read_root(&rd, root, p);
	json_decref(root);
	if (rc < 0)
		vg_sc_profile_free(p);
	return rc;
}

/* cmd.c — `vigil rules check|list|fields|filter`: validate rules files, show what they define,
 * print the field reference (docs/rules.md embeds it) and the kernel filters they derive. */
#include <stdio.h>
#include <string.h>
#include "rules/internal.h"

static struct vg_ruleset *load_or_report(const char *const *paths, int n)
{
	static const char *const def[] = { VG_RULES_DEFAULT_PATH };
	struct vg_rules_errors errs;
	struct vg_ruleset *rs;

	if (n == 0) {
		paths = def;
		n = 1;
	}
	rs = vg_rules_load(paths, n, NULL, &errs);
	for (int i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	vg_rules_errors_free(&errs);
	return rs;
}

int vg_rules_cmd_check(int argc, char **argv)
{
	struct vg_ruleset *rs = load_or_report((const char *const *)argv + 1, argc - 1);
	struct vg_rules_counts c;

	if (!rs)
		return 1;
	c = vg_rules_counts(rs);
	printf("ok: %d rules, %d macros, %d lists\n", c.rules, c.macros, c.lists);
	vg_ruleset_free(rs);
	return 0;
}

static void types_text(uint64_t types, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	if (types == ALL_TYPES) {
		snprintf(buf, len, "all");
		return;
	}
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		if ((types >> t) & 1 && used < len)
			used += snprintf(buf + used, len - used, "%s%s", used ? "," : "", vg_event_name(t));
	if (!used)
		snprintf(buf, len, "none");
}

/* The rules named by --rules PATH options (the default directory without any); NULL with
 *status set on a usage or load error. */
static struct vg_ruleset *rules_opt(int argc, char **argv, const char *cmd, int *status)
{
	const char *paths[64];
	int n = 0;
	struct vg_ruleset *rs;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rules") && i + 1 < argc && n < 64) {
			paths[n++] = argv[++i];
		} else {
			fprintf(stderr, "usage: vigil rules %s [--rules PATH]...\n", cmd);
			*status = 2;
			return NULL;
		}
	}
	rs = load_or_report(paths, n);
	*status = rs ? 0 : 1;
	return rs;
}

int vg_rules_cmd_list(int argc, char **argv)
{
	int width = 4, status;
	struct vg_ruleset *rs = rules_opt(argc, argv, "list", &status);
	struct vg_rule_info ri;

	if (!rs)
		return status;
	for (int i = 0; vg_rules_info(rs, i, &ri); i++)
		if ((int)strlen(ri.name) > width)
			width = (int)strlen(ri.name);
	printf("%-*s  %-13s  %-9s  %-7s  %-30s  %s\n", width, "RULE", "PRIORITY", "KIND", "ENABLED",
	       "EVENTS", "TAGS");
	for (int i = 0; vg_rules_info(rs, i, &ri); i++) {
		char types[1024], tags[1024] = "";
		size_t used = 0;

		types_text(ri.types, types, sizeof(types));
		for (int t = 0; t < ri.ntags && used < sizeof(tags); t++)
			used += snprintf(tags + used, sizeof(tags) - used, "%s%s", t ? "," : "", ri.tags[t]);
		printf("%-*s  %-13s  %-9s  %-7s  %-30s  %s\n", width, ri.name, vg_priority_name(ri.priority),
		       ri.kind, ri.enabled ? "yes" : "no", types, tags);
	}
	vg_ruleset_free(rs);
	return 0;
}

int vg_rules_cmd_fields(int argc, char **argv)
{
	vg_rules_fields_markdown(stdout);
	return 0;
}

int vg_rules_cmd_filter(int argc, char **argv)
{
	bool every = argc > 1 && strcmp(argv[1], "--all") == 0;
	int status;
	struct vg_ruleset *rs = rules_opt(argc - every, argv + every, "filter [--all]", &status);
	struct vg_kernel_filter f;

	if (!rs)
		return status;
	vg_rules_kernel_filter(rs, &f);
	vg_kernel_filter_markdown(&f, every ? INT32_MAX : 8, stdout);
	vg_kernel_filter_free(&f);
	vg_ruleset_free(rs);
	return 0;
}

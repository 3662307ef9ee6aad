/* setup.c — the output options, printed events, rules and sinks of an agent (setup.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent/setup.h"
#include "cli/cli.h"
#include "event.h"
#include "rules/rules.h"

void vg_output_opts_init(struct vg_output_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = "json";
	o->output = "-";
	o->profile = "default";
}

int vg_output_opt(struct vg_output_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'f':
		if (strcmp(arg, "json") && strcmp(arg, "text"))
			return vg_cli_error("--format must be json or text, not '%s'", arg);
		o->format = arg;
		o->output_given = true;
		return 0;
	case 'o':
		o->output = arg;
		o->output_given = true;
		return 0;
	case 'S':
		if (o->n_sinks == VG_SINKS_MAX - 1)
			return vg_cli_error("at most %d --sink options", VG_SINKS_MAX - 1);
		o->sinks[o->n_sinks++] = arg;
		return 0;
	case 'e': o->events = arg; return 0;
	case 'p':
		if (strcmp(arg, "default") && strcmp(arg, "sandbox"))
			return vg_cli_error("--profile must be default or sandbox, not '%s'", arg);
		o->profile = arg;
		return 0;
	case 'R':
		if (o->n_rules == VG_RULES_PATHS_MAX)
			return vg_cli_error("at most %d --rules paths", VG_RULES_PATHS_MAX);
		o->rules[o->n_rules++] = arg;
		return 0;
	case VG_OPT_STORE: o->store = arg; return 0;
	case VG_OPT_STORE_MAX_BYTES: o->store_max_bytes = arg; return 0;
	case VG_OPT_STORE_MAX_AGE: o->store_max_age = arg; return 0;
	}
	return 1;
}

void vg_profile_events(const char *profile, bool set[VG_EV__COUNT])
{
	int level = strcmp(profile, "sandbox") == 0 ? 2 : 1;

	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		set[t] = vg_event_profile(t) <= level;
}

int vg_select_events(const struct vg_output_opts *o, bool print[VG_EV__COUNT])
{
	char err[300];

	memset(print, 0, sizeof(bool) * VG_EV__COUNT);
	if (o->events)
		return vg_parse_event_list(o->events, print, err, sizeof(err)) < 0 ? vg_cli_error("--events: %s", err) : 0;
	if (!o->n_rules)
		vg_profile_events(o->profile, print);
	return 0;
}

struct vg_ruleset *vg_load_rules(const struct vg_output_opts *o)
{
	struct vg_rules_errors errs = { 0 };
	struct vg_ruleset *rs = vg_rules_load(o->rules, o->n_rules, NULL, &errs);

	for (int i = 0; i < errs.n; i++)
		fprintf(stderr, "vigil: %s\n", errs.msg[i]);
	vg_rules_errors_free(&errs);
	return rs;
}

int vg_open_sinks(struct vg_sinks *sinks, const struct vg_output_opts *o, const bool print[VG_EV__COUNT])
{
	char spec[300], err[300];
	bool available[VG_EV__COUNT];

	vg_profile_events(o->profile, available);
	for (unsigned t = 0; t < VG_EV__COUNT; t++)
		available[t] |= print[t] || VG_LIFECYCLE(t);
	if (o->output_given || !o->n_sinks) {
		/* nothing chosen and a terminal on stdout: the console view */
		if (!o->output_given && isatty(STDOUT_FILENO))
			snprintf(spec, sizeof(spec), "console:");
		else
			snprintf(spec, sizeof(spec), "%s:%s", o->format, o->output);
		if (vg_sinks_add(sinks, spec, print, available, err, sizeof(err)) < 0)
			return vg_cli_error("%s", err);
	}
	for (int i = 0; i < o->n_sinks; i++)
		if (vg_sinks_add(sinks, o->sinks[i], print, available, err, sizeof(err)) < 0)
			return vg_cli_error("--sink %s: %s", o->sinks[i], err);
	if ((o->store_max_bytes || o->store_max_age) && !o->store)
		return vg_cli_error("--store-max-bytes and --store-max-age need --store PATH");
	if (o->store) {
		char store[4200], why[4400];

		snprintf(store, sizeof(store), "store:%s%s%s%s%s", o->store, o->store_max_bytes ? ",max-bytes=" : "",
			 o->store_max_bytes ? o->store_max_bytes : "", o->store_max_age ? ",max-age=" : "",
			 o->store_max_age ? o->store_max_age : "");
		if (vg_sinks_add(sinks, store, print, available, why, sizeof(why)) < 0)
			return vg_cli_error("--store %s: %s", o->store, why);
	}
	return 0;
}

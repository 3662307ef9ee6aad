/* setup.h — what an agent prints, matches and where it sends it, as `vigil run` and
 * `vigil replay` both take it: the output options, the printed event set, the rules and
 * the sinks. */
#ifndef VIGIL_SETUP_H
#define VIGIL_SETUP_H

#include <getopt.h>
#include <stdbool.h>
#include "output/sink.h"
#include "vigil_event.h"

#define VG_RULES_PATHS_MAX 32

struct vg_output_opts {
	const char *format;   /* of --output: json or text */
	const char *output;   /* path or - */
	bool output_given;    /* --output or --format said so */
	const char *sinks[VG_SINKS_MAX];
	int n_sinks;
	const char *events;   /* --events LIST, or NULL */
	const char *profile;  /* default or sandbox */
	const char *rules[VG_RULES_PATHS_MAX];
	int n_rules;
	const char *store, *store_max_bytes, *store_max_age; /* the store sink (docs/evidence.md) */
};

enum { VG_OPT_STORE = 0x100, VG_OPT_STORE_MAX_BYTES, VG_OPT_STORE_MAX_AGE };

/* The long options behind vg_output_opt, to put in a getopt_long table. */
#define VG_OUTPUT_LONGOPTS                                                                 \
	{ "format", required_argument, NULL, 'f' }, { "output", required_argument, NULL, 'o' }, \
	{ "sink", required_argument, NULL, 'S' },   { "events", required_argument, NULL, 'e' }, \
	{ "profile", required_argument, NULL, 'p' }, { "rules", required_argument, NULL, 'R' }, \
	{ "store", required_argument, NULL, VG_OPT_STORE },                                     \
	{ "store-max-bytes", required_argument, NULL, VG_OPT_STORE_MAX_BYTES },                 \
	{ "store-max-age", required_argument, NULL, VG_OPT_STORE_MAX_AGE }
#define VG_OUTPUT_USAGE                                                                           \
	"  --format json|text     format of --output (default json)\n"                                  \
	"  --output PATH|-        where events go (default -, stdout: the console view on a terminal,\n"  \
	"                         JSON otherwise); left out when only --sink options say where\n"      \
	"                         things go\n"                                                            \
	"  --sink SPEC            send events, alerts and stats there too (repeatable); kinds below\n"    \
	"  --events LIST          comma-separated event names to print (default: the profile's;\n"       \
	"                         with --rules, none: only alerts)\n"                                     \
	"  --rules PATH           rule file or directory (repeatable)\n"                                  \
	"  --profile NAME         default | sandbox (default: default)\n"                               \
	"  --store PATH           keep every event and alert in this SQLite store (the sink\n"         \
	"                         store:PATH; `vigil incidents --store PATH` reads it)\n"               \
	"  --store-max-bytes SIZE --store: delete the oldest events beyond SIZE (default 1G)\n"        \
	"  --store-max-age AGE    --store: delete events older than AGE (default 7d)\n"

void vg_output_opts_init(struct vg_output_opts *o);
/* Takes getopt's c and optarg when c is one of VG_OUTPUT_LONGOPTS: 0 taken, -1 refused
 * (said on stderr), 1 not an output option. */
int vg_output_opt(struct vg_output_opts *o, int c, const char *arg);

/* The profile's events. */
void vg_profile_events(const char *profile, bool set[VG_EV__COUNT]);
/* The printed set: --events; else nothing when rules decide (alerts only); else the
 * profile's. -1 on an unknown event name. */
int vg_select_events(const struct vg_output_opts *o, bool print[VG_EV__COUNT]);
/* The rules, or NULL with every error said on stderr as file:line:col. */
struct vg_ruleset *vg_load_rules(const struct vg_output_opts *o);
/* --output/--format name one sink (the console view when none was chosen and stdout is a
 * terminal), left out when only --sink options were given. Every
 * sink receives the printed events, or takes any the run captures anyway: the profile's,
 * the printed ones and the lifecycle events the process table needs. -1 said on stderr. */
int vg_open_sinks(struct vg_sinks *sinks, const struct vg_output_opts *o, const bool print[VG_EV__COUNT]);

#endif

/* options.h — every option of `vigil run`, from the command line and the config file.
 *
 * One table (options.c) names each option once: its --flag, its key in the YAML config
 * file (/etc/vigil/vigil.yaml or --config FILE), its help, whether a SIGHUP can change it
 * at run time, and the one function that parses its value. The CLI and the file go
 * through that table, so they cannot drift apart: the file is read first, then the command
 * line overrides it (a list given on the command line replaces the file's list).
 *
 * Values are kept as given (raw, with where each came from: FILE:LINE:COL or --flag) and
 * then applied; errors name that place. Keeping them raw also lets a reload tell which
 * options changed.
 */
#ifndef VIGIL_CONFIG_OPTIONS_H
#define VIGIL_CONFIG_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include "agent/setup.h"
#include "enforce/enforce.h"
#include "loader/loader.h"
#include "loader/watch.h"
#include "integrity/integrity.h"
#include "metrics/metrics.h"
#include "output/sink.h"

#define VG_CONFIG_DEFAULT "/etc/vigil/vigil.yaml"
#define VG_OPT_VALUES 64 /* values of one list option at most */

/* Where a value came from: a file position (1-based) or the command line (file NULL). */
struct vg_srcpos {
	const char *file;
	int line, col;
};

struct vg_rawval {
	const char *v[VG_OPT_VALUES];
	struct vg_srcpos pos[VG_OPT_VALUES];
	int n;
};

enum vg_optid {
	VG_OPTION_CONFIG,
	VG_OPTION_FORMAT,
	VG_OPTION_OUTPUT,
	VG_OPTION_SINK,
	VG_OPTION_EVENTS,
	VG_OPTION_RULES,
	VG_OPTION_PROFILE,
	VG_OPTION_STORE,
	VG_OPTION_STORE_MAX_BYTES,
	VG_OPTION_STORE_MAX_AGE,
	VG_OPTION_DURATION,
	VG_OPTION_STATS_INTERVAL,
	VG_OPTION_RING_SIZE,
	VG_OPTION_PROC_CAP,
	VG_OPTION_PROC_LINGER,
	VG_OPTION_PIN_DIR,
	VG_OPTION_NO_PIN,
	VG_OPTION_NO_KERNEL_FILTER,
	VG_OPTION_INTEGRITY_INTERVAL,
	VG_OPTION_INTEGRITY_ROOT,
	VG_OPTION_ALLOW_EXE,
	VG_OPTION_ALLOW_CMDLINE,
	VG_OPTION_RATE_LIMIT,
	VG_OPTION_WATCH,
	VG_OPTION_RECORD,
	VG_OPTION_DENY_MODE,
	VG_OPTION_DENY_TIMEOUT,
	VG_OPTION_HOST_NAME,
	VG_OPTION_HOST_ID,
	VG_OPTION_TRACKERS,
	VG_OPTION_METRICS,
	VG_OPTION_METRICS_INTERVAL,
	VG_OPTION_BPF_STATS,
	VG_OPTION__COUNT,
};

struct vg_alloc; /* strings the options own */

struct vg_run_opts {
	const char *config;        /* the file read, NULL when none */
	struct vg_output_opts out; /* what `vigil replay` takes too (agent/setup.h) */
	double duration;
	double stats_interval;
	unsigned proc_cap;
	double proc_linger;  /* seconds an exited process stays in the table */
	struct vg_kconfig kc; /* kc.pin_dir NULL: --no-pin */
	const char *allow_exe[VG_OPT_VALUES];
	int n_allow_exe;
	const char *allow_cmd[VG_OPT_VALUES];
	int n_allow_cmd;
	const char *watch[VG_WATCH_EXTRA];
	unsigned n_watch;
	const char *record;
	bool no_kernel_filter; /* every event of the types loaded reaches user space */
	struct vg_enforce_opts deny;
	struct vg_integrity_opts integrity;
	const char *host_name, *host_id;
	struct vg_collector_opts collect;
	double metrics_interval; /* 0: no metrics snapshots */

	struct vg_rawval raw[VG_OPTION__COUNT];
	struct vg_alloc *alloc;
};

/* Reads the config file (--config FILE, else /etc/vigil/vigil.yaml when it exists) and the
 * command line into o. 0, or -1 after printing each error (FILE:LINE:COL: message);
 * `--help` prints the usage and exits. */
int vg_run_opts_load(int argc, char **argv, struct vg_run_opts *o);
/* Only the file: `vigil config check`. Every error is printed; returns their number. */
int vg_run_opts_check_file(const char *path, struct vg_run_opts *o);
void vg_run_opts_free(struct vg_run_opts *o);
void vg_run_opts_usage(FILE *f);
/* The config file's keys as a Markdown table (docs/outputs.md is generated from it). */
void vg_run_opts_markdown(FILE *f);

/* A reload: warns about each option that changed in next but needs a restart, then moves
 * what SIGHUP can change (rules, stats interval, allowlist additions) from next into cur.
 * next is consumed. */
void vg_run_opts_reload(struct vg_run_opts *cur, struct vg_run_opts *next);

/* The option table, for docs and tests: name (--flag), key (config file), reloadable.
 * arg NULL: a switch (--flag alone; true or false in the config file). */
struct vg_option_info {
	const char *flag, *key, *arg, *help;
	bool live; /* SIGHUP applies a change */
	bool list;
};
const struct vg_option_info *vg_option_info(int id);

#endif

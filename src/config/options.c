/* options.c — the table of `vigil run` options and what the command line, the config
 * file and a reload do with it (options.h). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "config/options.h"
#include "config/internal.h"
#include "loader/pin.h"
#include "units.h"

struct vg_alloc {
	struct vg_alloc *next;
	char s[];
};

const char *vg_run_opts_keep(struct vg_run_opts *o, const char *s, size_t n)
{
	struct vg_alloc *a = malloc(sizeof(*a) + n + 1);

	if (!a)
		abort();
	memcpy(a->s, s, n);
	a->s[n] = 0;
	a->next = o->alloc;
	o->alloc = a;
	return a->s;
}

/* ---- one setter per option: parse a value into o, or say why not ---- */

typedef int (*setter)(struct vg_run_opts *o, const char *v, char *err, size_t errlen);

static int set_config(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	o->config = v;
	return 0;
}

static int set_format(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "json") && strcmp(v, "text")) {
		snprintf(err, errlen, "must be json or text, not '%s'", v);
		return -1;
	}
	o->out.format = v;
	o->out.output_given = true;
	return 0;
}

static int set_output(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	o->out.output = v;
	o->out.output_given = true;
	return 0;
}

static int set_sink(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (o->out.n_sinks == VG_SINKS_MAX - 2) { /* room for --output's and --store's */
		snprintf(err, errlen, "at most %d sinks", VG_SINKS_MAX - 2);
		return -1;
	}
	if (vg_sinks_check(v, err, errlen) < 0)
		return -1;
	o->out.sinks[o->out.n_sinks++] = v;
	return 0;
}

static int set_events(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	bool set[VG_EV__COUNT];

	if (vg_parse_event_list(v, set, err, errlen) < 0)
		return -1;
	o->out.events = v;
	return 0;
}

static int set_rules(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (o->out.n_rules == VG_RULES_PATHS_MAX) {
		snprintf(err, errlen, "at most %d rule paths", VG_RULES_PATHS_MAX);
		return -1;
	}
	o->out.rules[o->out.n_rules++] = v;
	return 0;
}

static int set_profile(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "default") && strcmp(v, "sandbox")) {
		snprintf(err, errlen, "must be default or sandbox, not '%s'", v);
		return -1;
	}
	o->out.profile = v;
	o->kc.sandbox = strcmp(v, "sandbox") == 0;
	return 0;
}

/* The store sink's own values are checked by the sink (it says what it takes). */
static int set_store(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	o->out.store = v;
	return 0;
}

static int set_store_max_bytes(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	o->out.store_max_bytes = v;
	return 0;
}

static int set_store_max_age(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	o->out.store_max_age = v;
	return 0;
}

static int set_record(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	o->record = v;
	return 0;
}

static int set_deny_mode(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "enforce") && strcmp(v, "audit")) {
		snprintf(err, errlen, "must be enforce or audit, not '%s'", v);
		return -1;
	}
	o->deny.audit = strcmp(v, "audit") == 0;
	return 0;
}

static int set_deny_timeout(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	unsigned long long ms;

	if (!vg_parse_count(v, &ms) || ms < 10 || ms > 60000) {
		snprintf(err, errlen, "takes milliseconds from 10 to 60000, not '%s'", v);
		return -1;
	}
	o->deny.timeout_ms = (unsigned)ms;
	return 0;
}

static int seconds(const char *v, double *out, char *err, size_t errlen)
{
	uint64_t ns;

	if (!vg_parse_duration_ns(v, &ns)) {
		snprintf(err, errlen, "takes a duration (30, 30s, 5m), not '%s'", v);
		return -1;
	}
	*out = (double)ns / 1e9;
	return 0;
}

static int set_duration(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	return seconds(v, &o->duration, err, errlen);
}

static int set_stats_interval(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	return seconds(v, &o->stats_interval, err, errlen);
}

static int set_ring_size(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (!vg_parse_size(v, &n) || n < 4096 || (n & (n - 1)) || n > (1ull << 31)) {
		snprintf(err, errlen, "must be a power of two from 4096 to 2G, not '%s'", v);
		return -1;
	}
	o->kc.ring_size = (size_t)n;
	return 0;
}

static int set_proc_cap(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	unsigned long long n;

	if (!vg_parse_count(v, &n) || n < 16 || n > (1u << 24)) {
		snprintf(err, errlen, "must be a number from 16 to 16777216, not '%s'", v);
		return -1;
	}
	o->proc_cap = (unsigned)n;
	return 0;
}

static int set_proc_linger(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	return seconds(v, &o->proc_linger, err, errlen);
}

static int set_pin_dir(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (o->kc.pin_dir) /* --no-pin wins wherever it was said */
		o->kc.pin_dir = v;
	return 0;
}

static int set_integrity_interval(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	return seconds(v, &o->integrity.interval, err, errlen);
}

static int set_integrity_root(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	o->integrity.root = v;
	return 0;
}

static int set_allow_exe(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (o->n_allow_exe == VG_OPT_VALUES) {
		snprintf(err, errlen, "at most %d entries", VG_OPT_VALUES);
		return -1;
	}
	o->allow_exe[o->n_allow_exe++] = v;
	return 0;
}

static int set_allow_cmdline(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (o->n_allow_cmd == VG_OPT_VALUES) {
		snprintf(err, errlen, "at most %d entries", VG_OPT_VALUES);
		return -1;
	}
	o->allow_cmd[o->n_allow_cmd++] = v;
	o->kc.allow_cmdlines = true;
	return 0;
}

static int set_rate_limit(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	char rate_text[24];
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	unsigned long long rate = 0, burst = 0;
	bool ok = n < sizeof(rate_text);

	if (ok) {
		memcpy(rate_text, v, n);
		rate_text[n] = 0;
		ok = vg_parse_count(rate_text, &rate) && (colon ? vg_parse_count(colon + 1, &burst) : (burst = 2 * rate, true));
	}
	if (!ok || rate > 100000000 || burst > 100000000 || (rate && !burst)) {
		snprintf(err, errlen, "takes N or N:BURST events/s, not '%s'", v);
		return -1;
	}
	o->kc.rate_per_sec = (unsigned)rate;
	o->kc.rate_burst = (unsigned)burst;
	return 0;
}

static int set_watch(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (o->n_watch == VG_WATCH_EXTRA) {
		snprintf(err, errlen, "at most %d paths", VG_WATCH_EXTRA);
		return -1;
	}
	o->watch[o->n_watch++] = v;
	return 0;
}

static int set_host_name(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (!*v || strlen(v) > 255) {
		snprintf(err, errlen, "must be 1 to 255 characters");
		return -1;
	}
	o->host_name = v;
	return 0;
}

static int set_host_id(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (!*v || strlen(v) > 47 || strchr(v, ':')) {
		snprintf(err, errlen, "must be 1 to 47 characters without ':'");
		return -1;
	}
	o->host_id = v;
	return 0;
}

/* A switch: given alone on the command line (parse_cli passes "true"), true or false in the
 * config file. */
static int boolean(const char *v, bool *out, char *err, size_t errlen)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
		*out = false;
	else {
		snprintf(err, errlen, "must be true or false, not '%s'", v);
		return -1;
	}
	return 0;
}

static int set_no_pin(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	bool off;

	if (boolean(v, &off, err, errlen) < 0)
		return -1;
	if (off)
		o->kc.pin_dir = NULL;
	return 0;
}

static int set_no_kernel_filter(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	return boolean(v, &o->no_kernel_filter, err, errlen);
}

static int set_trackers(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	return boolean(v, &o->collect.trackers, err, errlen);
}

static int set_bpf_stats(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	return boolean(v, &o->collect.bpf_stats, err, errlen);
}

/* --metrics ADDR:PORT is the sink prometheus:ADDR:PORT under a name of its own. */
static int set_metrics(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	char spec[300];
	int n = snprintf(spec, sizeof(spec), "prometheus:%s", v);

	if (n >= (int)sizeof(spec)) {
		snprintf(err, errlen, "too long");
		return -1;
	}
	return set_sink(o, vg_run_opts_keep(o, spec, (size_t)n), err, errlen);
}

static int set_metrics_interval(struct vg_run_opts *o, const char *v, char *err, size_t errlen)
{
	if (seconds(v, &o->metrics_interval, err, errlen) < 0)
		return -1;
	if (o->metrics_interval <= 0) {
		snprintf(err, errlen, "must be more than 0, not '%s'", v);
		return -1;
	}
	return 0;
}

/* ---- the table ---- */

struct option_def {
	struct vg_option_info info;
	int short_opt;
	setter set;
};

static const struct option_def table[VG_OPTION__COUNT] = {
	[VG_OPTION_CONFIG] = { { "config", NULL, "FILE", "read options from FILE (default " VG_CONFIG_DEFAULT
			      "\nwhen it exists); the command line overrides it", false, false }, 0, set_config },
	[VG_OPTION_FORMAT] = { { "format", "format", "json|text", "format of --output (default json)", false, false },
			    'f', set_format },
	[VG_OPTION_OUTPUT] = { { "output", "output", "PATH|-", "where events go (default stdout: the console view on a\n"
			      "terminal, JSON otherwise); left out when only sinks are named", false, false },
			    'o', set_output },
	[VG_OPTION_SINK] = { { "sink", "sinks", "SPEC", "more outputs for events, alerts and stats, several at once\n"
			    "(repeatable; a list of specs or of maps in the config file)",
			    false, true }, 0, set_sink },
	[VG_OPTION_EVENTS] = { { "events", "events", "LIST", "comma-separated event names to print (default: the\n"
			      "profile's; with rules, none: only alerts)", false, false }, 'e', set_events },
	[VG_OPTION_RULES] = { { "rules", "rules", "PATH", "rule file or directory (repeatable; rules_file in the\n"
			     "config file too); SIGHUP reloads them", true, true }, 0, set_rules },
	[VG_OPTION_PROFILE] = { { "profile", "profile", "NAME", "default | sandbox (default: default)", false, false },
			     'p', set_profile },
	[VG_OPTION_STORE] = { { "store", "store", "PATH", "keep every event and alert in this SQLite store (the sink\n"
			    "store:PATH; `vigil incidents --store PATH` reads it)", false, false }, 0, set_store },
	[VG_OPTION_STORE_MAX_BYTES] = { { "store-max-bytes", "store_max_bytes", "SIZE",
					  "--store: delete the oldest events beyond SIZE (default 1G)", false, false },
					0, set_store_max_bytes },
	[VG_OPTION_STORE_MAX_AGE] = { { "store-max-age", "store_max_age", "AGE",
					"--store: delete events older than AGE (default 7d)", false, false },
				      0, set_store_max_age },
	[VG_OPTION_DURATION] = { { "duration", "duration", "TIME", "stop after TIME (seconds, or 30s, 5m, 1h)", false,
				false }, 'd', set_duration },
	[VG_OPTION_STATS_INTERVAL] = { { "stats-interval", "stats_interval", "TIME",
				      "a stats line every TIME (default 10s; 0: only at exit)", true, false },
				    's', set_stats_interval },
	[VG_OPTION_RING_SIZE] = { { "ring-size", "ring_size", "BYTES",
				 "ring buffer size, a power of two >= 4096 (default 8M)", false, false },
			       'r', set_ring_size },
	[VG_OPTION_PROC_CAP] = { { "proc-cap", "proc_cap", "N", "process table capacity (default 32768)", false, false },
			      'c', set_proc_cap },
	[VG_OPTION_PROC_LINGER] = { { "proc-linger", "proc_linger", "TIME",
				   "how long an exited process stays in the table (default 60s)", false, false },
				 0, set_proc_linger },
	[VG_OPTION_PIN_DIR] = { { "pin-dir", "pin_dir", "DIR", "pin the sensors in DIR on bpffs (default " VG_PIN_DIR "):\n"
			       "they keep recording when the agent stops, and the next agent takes them over", false,
			       false }, 0, set_pin_dir },
	[VG_OPTION_NO_PIN] = { { "no-pin", "no_pin", NULL, "do not pin: the sensors end with the agent", false, false },
			      0, set_no_pin },
	[VG_OPTION_NO_KERNEL_FILTER] = { { "no-kernel-filter", "no_kernel_filter", NULL,
					"do not drop in the kernel the events no rule can match\n"
					"(docs/rules.md, kernel filters): for comparison and debugging", false, false },
				      0, set_no_kernel_filter },
	[VG_OPTION_INTEGRITY_INTERVAL] = { { "integrity-interval", "integrity_interval", "TIME",
					  "run the host integrity checks (integrity event; `vigil probes` says\n"
					  "which run here) every TIME (default 300s; 0: never)", false, false },
					0, set_integrity_interval },
	[VG_OPTION_INTEGRITY_ROOT] = { { "integrity-root", "integrity_root", "DIR",
				      "the system_files check looks at the tree at DIR (a container's or a\n"
				      "mounted disk's; default /)", false, false }, 0, set_integrity_root },
	[VG_OPTION_ALLOW_EXE] = { { "allow-exe", "allow_exe", "PATH", "in-kernel allowlist: this executable reports\n"
				 "only exec/fork/exit (repeatable; SIGHUP adds new entries)", true, true },
			       0, set_allow_exe },
	[VG_OPTION_ALLOW_CMDLINE] = { { "allow-cmdline", "allow_cmdline", "CMD", "same, for an exact command line\n"
				     "(\"prog arg ...\"; repeatable; SIGHUP adds new entries)", true, true },
				   0, set_allow_cmdline },
	[VG_OPTION_RATE_LIMIT] = { { "rate-limit", "rate_limit", "N[:BURST]", "per executable and event type, at most\n"
				  "N events/s in the kernel (default 5000:10000; 0 disables)", false, false },
				0, set_rate_limit },
	[VG_OPTION_WATCH] = { { "watch", "watch", "PATH", "the write event also reports writes to PATH (repeatable;\n"
			     "added to the built-in list of sensitive files)", false, true }, 0, set_watch },
	[VG_OPTION_RECORD] = { { "record", "record", "FILE", "keep every ring-buffer record in FILE, for `vigil replay`",
			     false, false }, 0, set_record },
	[VG_OPTION_DENY_MODE] = { { "deny-mode", "deny_mode", "enforce|audit", "rules with action deny refuse the exec\n"
				"or open (default), or only report what they would refuse", false, false },
			      0, set_deny_mode },
	[VG_OPTION_DENY_TIMEOUT] = { { "deny-timeout", "deny_timeout", "MS", "longest a permission decision may take\n"
				   "before the watchdog allows it (fanotify; default 250)", false, false },
				 0, set_deny_timeout },
	[VG_OPTION_HOST_NAME] = { { "host-name", "host_name", "NAME", "the host's name in events and NATS subjects\n"
				 "(default: the hostname)", false, false }, 0, set_host_name },
	[VG_OPTION_HOST_ID] = { { "host-id", "host_id", "ID", "the host's id in record ids (default /etc/machine-id);\n"
			       "hosts cloned from one image need their own", false, false }, 0, set_host_id },
	[VG_OPTION_TRACKERS] = { { "trackers", "trackers", NULL, "count per container: processes, syscalls by syscall,\n"
				"file and TCP bytes, connects, IPC (one more BPF program on every syscall)", false,
				false }, 0, set_trackers },
	[VG_OPTION_METRICS] = { { "metrics", "metrics", "ADDR:PORT", "Prometheus metrics at http://ADDR:PORT/metrics\n"
			       "(loopback only unless ADDR:PORT,public; PORT alone: 127.0.0.1; repeatable)", false,
			       true }, 0, set_metrics },
	[VG_OPTION_METRICS_INTERVAL] = { { "metrics-interval", "metrics_interval", "TIME",
					"a metrics snapshot (\"kind\":\"metrics\" line, /metrics values) every\n"
					"TIME (default 10s with --trackers, --metrics, --bpf-stats or a prometheus sink)",
					false, false }, 0, set_metrics_interval },
	[VG_OPTION_BPF_STATS] = { { "bpf-stats", "bpf_stats", NULL, "turn kernel.bpf_stats_enabled on while the agent\n"
				 "runs, for each BPF program's kernel time (costs every program a little)", false,
				 false }, 0, set_bpf_stats },
};

/* Keys of falco.yaml that mean the same. */
static const struct {
	const char *key;
	enum vg_optid id;
} aliases[] = { { "rules_file", VG_OPTION_RULES } };

const struct vg_option_info *vg_option_info(int id)
{
	return id >= 0 && id < VG_OPTION__COUNT ? &table[id].info : NULL;
}

int vg_option_by_key(const char *key)
{
	for (int i = 0; i < VG_OPTION__COUNT; i++)
		if (table[i].info.key && !strcmp(table[i].info.key, key))
			return i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].key, key))
			return (int)aliases[i].id;
	return -1;
}

bool vg_option_is_list(int id)
{
	return table[id].info.list;
}

/* Text in a Markdown table cell: '|' escaped. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

void vg_run_opts_markdown(FILE *f)
{
	fputs("| key | flag | on SIGHUP | |\n|---|---|---|---|\n", f);
	for (int id = 0; id < VG_OPTION__COUNT; id++) {
		const struct vg_option_info *in = &table[id].info;
		char help[400], *p;

		if (!in->key)
			continue;
		snprintf(help, sizeof(help), "%s", in->help);
		for (p = help; (p = strchr(p, '\n'));)
			*p = ' ';
		fprintf(f, "| `%s`%s | `--%s%s", in->key, in->list ? " (a list)" : "", in->flag, in->arg ? " " : "");
		md_cell(f, in->arg ? in->arg : "");
		fprintf(f, "` | %s | ", in->live ? "applied" : "at the next start");
		md_cell(f, help);
		fputs(" |\n", f);
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		fprintf(f, "| `%s` | | | the same as `%s` (falco.yaml's name) |\n", aliases[i].key,
			table[aliases[i].id].info.key);
}

/* ---- values as given ---- */

int vg_run_opts_add(struct vg_run_opts *o, int id, const char *v, struct vg_srcpos pos)
{
	struct vg_rawval *r = &o->raw[id];

	if (!table[id].info.list)
		r->n = 0;
	if (r->n == VG_OPT_VALUES)
		return -1;
	r->v[r->n] = v;
	r->pos[r->n++] = pos;
	return 0;
}

static void defaults(struct vg_run_opts *o)
{
	struct vg_alloc *keep = o->alloc;

	memset(o, 0, sizeof(*o));
	o->alloc = keep;
	vg_output_opts_init(&o->out);
	o->stats_interval = 10;
	o->proc_cap = 32768;
	o->proc_linger = 60;
	o->integrity.interval = 300;
	o->kc = (struct vg_kconfig){ .ring_size = 8u << 20, .rate_per_sec = 5000, .rate_burst = 10000,
				     .pin_dir = VG_PIN_DIR };
}

void vg_srcpos_error(const struct vg_srcpos *pos, int id, const char *msg)
{
	if (pos->file)
		fprintf(stderr, "%s:%d:%d: %s: %s\n", pos->file, pos->line, pos->col, table[id].info.key, msg);
	else
		fprintf(stderr, "vigil: --%s: %s\n", table[id].info.flag, msg);
}

/* Some sink serves the metrics snapshots (--metrics is a prometheus sink too). */
static bool metrics_sink(const struct vg_run_opts *o)
{
	for (int i = 0; i < o->out.n_sinks; i++)
		if (!strncmp(o->out.sinks[i], "prometheus:", 11))
			return true;
	return false;
}

/* Parses every raw value into o's typed fields; prints each error; returns their number. */
static int apply(struct vg_run_opts *o)
{
	struct vg_rawval raw[VG_OPTION__COUNT];
	const char *config = o->config;
	int errors = 0;

	memcpy(raw, o->raw, sizeof(raw));
	defaults(o);
	memcpy(o->raw, raw, sizeof(raw));
	o->config = config;
	for (int id = 0; id < VG_OPTION__COUNT; id++)
		for (int i = 0; i < raw[id].n; i++) {
			char err[300];

			if (table[id].set(o, raw[id].v[i], err, sizeof(err)) < 0) {
				vg_srcpos_error(&raw[id].pos[i], id, err);
				errors++;
			}
		}
	if (!o->metrics_interval && (o->collect.trackers || o->collect.bpf_stats || metrics_sink(o)))
		o->metrics_interval = 10;
	return errors;
}

/* ---- the command line ---- */

void vg_run_opts_usage(FILE *f)
{
	fputs("usage: vigil run [options]\n", f);
	for (int id = 0; id < VG_OPTION__COUNT; id++) {
		const struct vg_option_info *in = &table[id].info;
		char left[64];
		const char *h = in->help, *nl;

		snprintf(left, sizeof(left), "--%s %s", in->flag, in->arg ? in->arg : "");
		fprintf(f, "  %-22s ", left);
		while ((nl = strchr(h, '\n'))) {
			fprintf(f, "%.*s\n%25s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
		if (id == VG_OPTION_SINK) {
			fprintf(f, "%25s%s\n", "", "the kinds, each with its ;key=value options:");
			vg_sinks_usage(f);
		}
	}
	fputs("Every option but --config can be set in the config file, under its key with '_' for '-'\n"
	      "(sinks: a list of specs, or of maps with url: and the sink's options).\n",
	      f);
}

/* The config file named by --config, found before the rest is parsed. */
static const char *config_arg(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}

static int parse_cli(int argc, char **argv, struct vg_run_opts *o)
{
	struct option longopts[VG_OPTION__COUNT + 2];
	char shorts[2 * VG_OPTION__COUNT + 2] = "h";
	bool seen[VG_OPTION__COUNT] = { 0 };
	int c, k = 0;

	for (int id = 0; id < VG_OPTION__COUNT; id++) {
		longopts[k++] = (struct option){ table[id].info.flag, table[id].info.arg ? required_argument : no_argument,
						 NULL,
						 table[id].short_opt >= 'a' && table[id].short_opt <= 'z'
							 ? table[id].short_opt
							 : 256 + id };
		if (table[id].short_opt >= 'a' && table[id].short_opt <= 'z') {
			size_t n = strlen(shorts);

			shorts[n] = (char)table[id].short_opt;
			shorts[n + 1] = ':';
			shorts[n + 2] = 0;
		}
	}
	longopts[k++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[k] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		int id = -1;

		if (c == 'h') {
			vg_run_opts_usage(stdout);
			exit(0);
		}
		if (c >= 256)
			id = c - 256;
		else
			for (int i = 0; i < VG_OPTION__COUNT; i++)
				if (table[i].short_opt == c)
					id = i;
		if (id < 0) {
			vg_run_opts_usage(stderr);
			return -1;
		}
		/* a list on the command line replaces the config file's */
		if (table[id].info.list && !seen[id])
			o->raw[id].n = 0;
		seen[id] = true;
		if (vg_run_opts_add(o, id, table[id].info.arg ? optarg : "true", (struct vg_srcpos){ 0 }) < 0)
			return vg_cli_error("--%s: at most %d values", table[id].info.flag, VG_OPT_VALUES);
	}
	if (optind < argc)
		return vg_cli_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

int vg_run_opts_load(int argc, char **argv, struct vg_run_opts *o)
{
	const char *path = config_arg(argc, argv);

	memset(o, 0, sizeof(*o));
	if (!path && access(VG_CONFIG_DEFAULT, F_OK) == 0)
		path = VG_CONFIG_DEFAULT;
	if (path && vg_config_read(path, o) > 0)
		return -1;
	o->config = path;
	if (parse_cli(argc, argv, o) < 0)
		return -1;
	return apply(o) ? -1 : 0;
}

int vg_run_opts_check_file(const char *path, struct vg_run_opts *o)
{
	int errors;

	memset(o, 0, sizeof(*o));
	errors = vg_config_read(path, o);
	o->config = path;
	return errors + apply(o);
}

void vg_run_opts_free(struct vg_run_opts *o)
{
	while (o->alloc) {
		struct vg_alloc *next = o->alloc->next;

		free(o->alloc);
		o->alloc = next;
	}
}

/* ---- reload ---- */

static bool same_values(const struct vg_rawval *a, const struct vg_rawval *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

void vg_run_opts_reload(struct vg_run_opts *cur, struct vg_run_opts *next)
{
	struct vg_alloc **tail = &next->alloc;

	for (int id = 0; id < VG_OPTION__COUNT; id++) {
		if (table[id].info.live || same_values(&cur->raw[id], &next->raw[id]))
			continue;
		fprintf(stderr, "vigil: %s changed; it takes effect at the next start\n", table[id].info.key);
		next->raw[id] = cur->raw[id];
	}
	/* what SIGHUP changes: rules, stats interval, allowlists (the kernel's lists only grow;
	 * an entry removed from them stays until the next start) */
	memcpy(cur->out.rules, next->out.rules, sizeof(cur->out.rules));
	cur->out.n_rules = next->out.n_rules;
	cur->stats_interval = next->stats_interval;
	memcpy(cur->allow_exe, next->allow_exe, sizeof(cur->allow_exe));
	cur->n_allow_exe = next->n_allow_exe;
	memcpy(cur->allow_cmd, next->allow_cmd, sizeof(cur->allow_cmd));
	cur->n_allow_cmd = next->n_allow_cmd;
	cur->raw[VG_OPTION_RULES] = next->raw[VG_OPTION_RULES];
	cur->raw[VG_OPTION_STATS_INTERVAL] = next->raw[VG_OPTION_STATS_INTERVAL];
	cur->raw[VG_OPTION_ALLOW_EXE] = next->raw[VG_OPTION_ALLOW_EXE];
	cur->raw[VG_OPTION_ALLOW_CMDLINE] = next->raw[VG_OPTION_ALLOW_CMDLINE];
	/* next's strings now belong to cur (the old ones may still be pointed at) */
	while (*tail)
		tail = &(*tail)->next;
	*tail = cur->alloc;
	cur->alloc = next->alloc;
	next->alloc = NULL;
}

/* sink.h — where events, alerts and stats go.
 *
 * A sink type is a table of functions (the way Redis's ConnectionType makes connection
 * kinds pluggable): open from a spec, take events, alerts and stats, flush once per loop
 * turn, reopen on SIGHUP, close. An agent runs a set of sinks at once (vg_sinks), each
 * with the event types it wants and its own counters. The agent knows no sink by name:
 * `--sink SCHEME:ARG` finds the type by scheme in the registry (sink.c), so adding an
 * output is one file under src/output/ and one line there.
 *
 * Everything a sink is handed is valid only during the call; a sink that keeps data
 * (batching, spooling) copies or serialises it first.
 */
#ifndef VIGIL_SINK_H
#define VIGIL_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "event.h"

struct vg_alert;
struct vg_counters;
struct vg_metrics;
struct vg_stats_extra;
struct vg_buf;
struct vg_sink;

/* What the agent did about an alert. */
struct vg_verdict {
	bool killed; /* the process was killed (at exec by the kernel, or on the alert) */
	bool denied; /* the exec or open was refused (a deny rule, not in audit mode) */
};

/* Delivery counters of one sink. accepted is counted by the set; the rest by the sink. */
struct vg_sink_counters {
	uint64_t accepted;  /* events, alerts and stats handed to the sink */
	uint64_t delivered; /* written out, or acknowledged by the receiver */
	uint64_t queued;    /* accepted, not delivered yet (buffered, spooled) */
	uint64_t lost;      /* accepted and never to be delivered (failed writes, evictions) */
	uint64_t errors;    /* failed writes or sends (retried, or counted in lost) */
};

struct vg_sinkopt;

struct vg_sink_type {
	const char *scheme; /* "json", "text", ...: --sink SCHEME:ARG */
	const char *usage;  /* one line for --help: "json:PATH|-  JSON lines to a file or stdout" */
	/* Its ";key=value" options (sinkopt.h), for --help and `vigil config check`; NULL: none. */
	const struct vg_sinkopt *options;
	/* arg is what follows "SCHEME:". May narrow s->events (preset to the printed set) or
	 * widen it up to s->available (a store keeps every event the run captures). -1 with
	 * err set when it cannot open. */
	int (*open)(struct vg_sink *s, const char *arg, char *err, size_t errlen);
	void (*event)(struct vg_sink *s, const struct vg_event *ev);
	void (*alert)(struct vg_sink *s, const struct vg_alert *a, const struct vg_verdict *v);
	void (*stats)(struct vg_sink *s, const struct vg_counters *c, const struct vg_stats_extra *x);
	/* Every --metrics-interval (src/metrics/metrics.h); NULL: the sink takes none. */
	void (*metrics)(struct vg_sink *s, const struct vg_metrics *m);
	/* Once per loop turn (every few ms) and before exit: deliver what is buffered. */
	void (*flush)(struct vg_sink *s, uint64_t now_ns);
	void (*reopen)(struct vg_sink *s); /* SIGHUP: reopen files (logrotate); may be NULL */
	/* After flush: waits until everything accepted is delivered or lost (a writer thread
	 * has caught up), so that `vigil replay` times the whole pipeline; may be NULL. */
	void (*drain)(struct vg_sink *s);
	void (*counters)(const struct vg_sink *s, struct vg_sink_counters *c); /* all but accepted */
	/* More members for its entry in the stats line (",\"spool\":{...}"); may be NULL. */
	void (*detail)(const struct vg_sink *s, struct vg_buf *b);
	void (*close)(struct vg_sink *s);
};

struct vg_sink {
	const struct vg_sink_type *type;
	void *priv;                /* the type's own state */
	char spec[256];            /* as given, e.g. "json:-" */
	bool events[VG_EV__COUNT];    /* event types it receives (alerts and stats always) */
	bool available[VG_EV__COUNT]; /* the types this run can capture without extra cost */
	uint64_t accepted;
};

#define VG_SINKS_MAX 16

struct vg_sinks {
	struct vg_sink sink[VG_SINKS_MAX];
	int n;
};

/* Opens the sink "SCHEME:ARG" receiving the printed events (the type may take any of the
 * available ones instead). -1 with err set: unknown scheme, bad argument, cannot open. */
int vg_sinks_add(struct vg_sinks *set, const char *spec, const bool printed[VG_EV__COUNT],
		 const bool available[VG_EV__COUNT], char *err, size_t errlen);
void vg_sinks_event(struct vg_sinks *set, const struct vg_event *ev);
void vg_sinks_alert(struct vg_sinks *set, const struct vg_alert *a, const struct vg_verdict *v);
void vg_sinks_stats(struct vg_sinks *set, const struct vg_counters *c, const struct vg_stats_extra *x);
void vg_sinks_metrics(struct vg_sinks *set, const struct vg_metrics *m);
void vg_sinks_flush(struct vg_sinks *set, uint64_t now_ns);
void vg_sinks_reopen(struct vg_sinks *set);
void vg_sinks_drain(struct vg_sinks *set);
void vg_sinks_close(struct vg_sinks *set);
/* out[t] |= some sink wants event type t. */
void vg_sinks_interest(const struct vg_sinks *set, bool out[VG_EV__COUNT]);
/* One sink's delivery counters, accepted included. */
void vg_sink_counters(const struct vg_sink *s, struct vg_sink_counters *c);
/* "sinks":{"SPEC":{"accepted":N,...},...} for the stats line (with a leading comma). */
void vg_sinks_counters_json(const struct vg_sinks *set, struct vg_buf *b);
/* Every registered scheme's usage line and options, for --help. */
void vg_sinks_usage(FILE *f);
/* A sink type's own options as a Markdown table; scheme "network": the options every
 * network sink shares. -1 on an unknown scheme. */
int vg_sinks_options_markdown(FILE *f, const char *scheme);
/* Checks a spec's scheme and options without opening anything (vigil config check). */
int vg_sinks_check(const char *spec, char *err, size_t errlen);

/* The registry (sink.c lists them). */
extern const struct vg_sink_type vg_sink_json;
extern const struct vg_sink_type vg_sink_text;
extern const struct vg_sink_type vg_sink_store; /* src/store/ingest.c */
extern const struct vg_sink_type vg_sink_console;
extern const struct vg_sink_type vg_sink_file;
extern const struct vg_sink_type vg_sink_syslog;
extern const struct vg_sink_type vg_sink_http;
extern const struct vg_sink_type vg_sink_https;
extern const struct vg_sink_type vg_sink_nats;
extern const struct vg_sink_type vg_sink_prometheus;

#endif

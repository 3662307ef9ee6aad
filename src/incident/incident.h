/* incident.h — alerts that belong together, as one incident.
 *
 * Filing (group.c), on the store's writer thread, inside the batch's transaction: an
 * alert's process has a scope — its container, else its login session (named by the
 * session leader), else its process tree (the ancestor below the session or service
 * root). The alert joins the open incident (last alert within the window) that has:
 *   1. its scope;
 *   2. one of its ancestors as an alerting process (a child that left the session, a
 *      daemonised payload);
 *   3. the writer of a file that it, or one of its ancestors, executed or was given as a
 *      script (a dropped file run later by cron, a service, another login);
 *   4. on another host, the other end of a connection it or its ancestors (up to its
 *      tree) made or accepted, or of the ssh connection its session came in by
 *      (lateral.h: 5-tuple and time), whose process is in the incident: lateral
 *      movement from host A to host B is one incident;
 * else it opens a new incident. The same rule firing again in an incident is one alert
 * row with a count, first/last time and the evidence of its first occurrences; every
 * process it fired on is kept with its own count (alert_procs).
 *
 * Reading (incident.c): incidents with their alerts, for `vigil incidents`, `vigil show`
 * and the attack-path renderers (graph.h builds the graph of one).
 */
#ifndef VIGIL_INCIDENT_H
#define VIGIL_INCIDENT_H

#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"

/* Evidence events kept per alert row: those of its first occurrences, up to this many. */
#define VG_ALERT_EVIDENCE_MAX 16

/* An alert as the writer files it (its process and evidence are already rows). */
struct vg_alert_in {
	int64_t host;          /* hosts.id */
	uint64_t ts;           /* wall ns of the triggering event */
	const char *rule, *desc, *output;
	const char *tags_json; /* JSON array */
	uint32_t tactics;      /* vg_tactic_mask of its tags */
	int priority;          /* enum vg_priority */
	const char *action;    /* alert, kill, deny */
	bool killed, denied;   /* what the agent did */
	int64_t proc;          /* procs.id of the triggering event's process */
	const int64_t *evidence;
	int nevidence;
};

/* Files a (grouping, coalescing, scoring); *incident and *alert get the row ids. -1 on a
 * database error (the caller's transaction is then rolled back). */
int vg_incident_file(struct vg_store *st, const struct vg_alert_in *a, int64_t *incident, int64_t *alert);

/* ---- reading ------------------------------------------------------------------------ */

struct vg_incident_alert {
	int64_t id;
	char *rule, *desc, *output, *last_output, *action;
	char **tags;
	int ntags;
	int priority;
	uint64_t count, killed, denied; /* occurrences, and those killed or refused */
	uint64_t first, last;
	int64_t *evidence; /* events.id, oldest first */
	int nevidence;
	int64_t *procs;    /* procs.id of every process it fired on */
	int nprocs;
};

struct vg_incident {
	int64_t id;
	double score;
	int priority;      /* the most severe of its alerts */
	uint32_t tactics;  /* tactics.h bits */
	uint64_t first, last, count;
	bool open;         /* its last alert is within the window */
	char **hosts;
	int nhosts;
	struct vg_incident_alert *alerts; /* by first occurrence */
	int nalerts;
	struct {
		char *kind, *key; /* session|tree|container|proc, "HOST:ID" (container: its id) */
	} *scopes;
	int nscopes;
};

/* One incident with its alerts; -1 when there is none of that id (or the read fails). */
int vg_incident_load(struct vg_store *st, int64_t id, struct vg_incident *out);
/* Incidents, highest score first (then newest): open ones, or all with all set; at most
 * limit (0: no limit); with host (a host's name or id; NULL: every host), those with an
 * alert on that host. *out is an array of *n, freed with vg_incidents_free. */
int vg_incidents_load(struct vg_store *st, bool all, int limit, const char *host, struct vg_incident **out, int *n);
/* The incident an alert row belongs to, or 0. */
int64_t vg_incident_of_alert(struct vg_store *st, int64_t alert);
void vg_incident_free(struct vg_incident *inc);
void vg_incidents_free(struct vg_incident *incs, int n);

#endif

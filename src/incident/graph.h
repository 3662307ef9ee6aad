/* graph.h — the attack path of an incident: what came in, what it dropped, what it ran,
 * where it talked, as a graph built from the store.
 *
 * Nodes: process images (exe, argv, user, container; the alerting ones marked, those
 * outside the incident's scope shown as context: the sshd, cron or server the tree hangs
 * from), files (every path they had), network endpoints. Edges, each with its first and
 * last time, count and first event: fork/exec between processes; create, write, read,
 * rename, link, chmod, chown, unlink, utimes, load_module from a process to a file;
 * execute from a file to the process that ran it (a dropped binary or script); connect,
 * bind, dns from a process to an endpoint, accept from an endpoint to a process; lateral
 * from a client process on one host to the process on another that accepted its
 * connection, or to the ssh session it opened (lateral.h), so the path crosses hosts.
 *
 * Which events: those of the incident's processes (its sessions, trees, containers and
 * the descendants of its alerting processes, alive between ten minutes before its first
 * alert and two minutes after its last), of the kinds above; reads and executions only
 * of files the incident wrote or that an alert cites, the rest counted in omitted_events.
 * Repetition is collapsed so that real incidents stay readable: three or more leaf
 * siblings with the same parent, image and arguments (five with only the same image)
 * become one node with a count, and then three or more files of one directory or
 * endpoints of one address reached by one node the same way become one node too.
 *
 * `vigil show --format json` prints this graph (render_json.c); the DOT/SVG/HTML
 * renderers and the UI draw it from these structures or from that JSON. */
#ifndef VIGIL_GRAPH_H
#define VIGIL_GRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include "incident/incident.h"

enum vg_node_kind { VG_NODE_PROCESS, VG_NODE_FILE, VG_NODE_ENDPOINT };

#define VG_EDGE_KINDS(X)                                                                    \
	X(FORK, "fork") X(EXEC, "exec") X(EXECUTE, "execute") X(CREATE, "create")           \
	X(WRITE, "write") X(READ, "read") X(RENAME, "rename") X(LINK, "link")               \
	X(CHMOD, "chmod") X(CHOWN, "chown") X(UNLINK, "unlink") X(UTIMES, "utimes")         \
	X(LOAD_MODULE, "load_module") X(CONNECT, "connect") X(ACCEPT, "accept")             \
	X(BIND, "bind") X(DNS, "dns") X(LATERAL, "lateral")

enum vg_edge_kind {
#define VG_EDGE_ENUM(e, name) VG_EDGE_##e,
	VG_EDGE_KINDS(VG_EDGE_ENUM)
#undef VG_EDGE_ENUM
	VG_EDGE__COUNT
};

const char *vg_edge_kind_name(enum vg_edge_kind k);
const char *vg_node_kind_name(enum vg_node_kind k);

struct vg_graph_node {
	enum vg_node_kind kind;
	char id[24];        /* "p<procs.id>", "f<files.id>", "n<flows.id>": stable across builds */
	int64_t row;        /* procs.id, files.id or flows.id of its (first) member */
	int count;          /* members collapsed into it; 1 when none */
	char *label;        /* one line for people */
	uint64_t first, last; /* its activity in the incident (process: exec to exit) */
	bool alerting;
	int64_t *alerts;    /* alerts.id that fired on it */
	int nalerts;
	/* process */
	bool context;       /* outside the incident's scope: an ancestor shown for where it came from */
	char *exec_id, *exe, *comm, *argv_json, *user, *container, *cwd, *tty, *ssh, *kind_of;
	char *host;         /* the name of the host it ran on */
	int pid, ppid;
	int64_t uid;
	bool exited;
	int exit_code;
	char **samples;     /* collapsed processes: the first members' exec_ids */
	int nsamples;
	/* file */
	char *path;         /* its last name */
	char **paths;       /* every name it had, oldest first (collapsed files: the members') */
	int npaths;
	int64_t dev, ino;   /* ino 0: the kernel did not say */
	/* endpoint */
	char *proto, *addr, *qname;
	int port;           /* 0 for collapsed endpoints: see ports */
	int *ports;
	int nports;
	int parent;         /* the process node it came from (fork/exec), -1 */
	int merged_into;    /* while building: the node that absorbed it, -1 */
};

struct vg_graph_edge {
	int from, to; /* node indexes */
	enum vg_edge_kind kind;
	uint64_t first, last, count;
	int64_t event;   /* events.id of the first occurrence (0 for fork/exec) */
	bool evidence;   /* one of its events is an alert's evidence */
};

struct vg_graph {
	struct vg_graph_node *nodes;
	int nnodes;
	struct vg_graph_edge *edges;
	int nedges;
	int entry;            /* the node the incident came in through (the context node its tree
			       * hangs from, else its oldest process), -1 when empty */
	uint64_t from, to;    /* the time span the events were taken from */
	uint64_t omitted_events;
	bool truncated;       /* more processes than the builder takes (VG_GRAPH_MAX_PROCS) */
};

#define VG_GRAPH_MAX_PROCS 4000

/* The graph of inc: every node in the array is drawn, every edge joins two of them. -1 on
 * a store error. */
int vg_graph_build(struct vg_store *st, const struct vg_incident *inc, struct vg_graph *g);
void vg_graph_free(struct vg_graph *g);

#endif

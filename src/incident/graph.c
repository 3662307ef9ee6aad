/* graph.c — building an incident's attack path from the store (graph.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "event.h"
#include "incident/graph.h"
#include "incident/lateral.h"
#include "store/internal.h"

#define LEAD_NS (10ull * 60 * 1000000000ull) /* before the first alert: how it came in */
#define TAIL_NS (2ull * 60 * 1000000000ull)  /* after the last: what it did next */
#define MAX_CONTEXT 64                       /* ancestors outside the scope */
#define MAX_EVENTS_PER_PROC 2000
#define MAX_SAMPLES 5
#define SIBLINGS_SAME_ARGS 3  /* leaf siblings with one image and argv collapsed from this many */
#define SIBLINGS_SAME_IMAGE 5 /* ... with one image */
#define LEAVES_ALIKE 3        /* files of a directory / endpoints of an address reached alike */

static bool live(const struct vg_graph *g, int i)
{
	return g->nodes[i].merged_into < 0;
}

static const char *const edge_names[] = {
#define VG_EDGE_NAME(e, name) name,
	VG_EDGE_KINDS(VG_EDGE_NAME)
#undef VG_EDGE_NAME
};

const char *vg_edge_kind_name(enum vg_edge_kind k)
{
	return k < VG_EDGE__COUNT ? edge_names[k] : "?";
}

const char *vg_node_kind_name(enum vg_node_kind k)
{
	return k == VG_NODE_PROCESS ? "process" : k == VG_NODE_FILE ? "file" : "endpoint";
}

/* ---- indexes ------------------------------------------------------------------------ */

struct row_key { /* no padding: hashed as bytes */
	int64_t kind;
	int64_t row;
};

struct row_entry {
	struct row_key key;
	int node;
	UT_hash_handle hh;
};

struct str_entry {
	char *key;
	int node;
	UT_hash_handle hh;
};

struct id_entry {
	int64_t id;
	UT_hash_handle hh;
};

struct edge_key {
	int from, to;
	enum vg_edge_kind kind;
};

struct edge_entry {
	struct edge_key key;
	int edge;
	UT_hash_handle hh;
};

/* One event of a member, before it becomes an edge. */
struct pending {
	int64_t id;
	uint64_t ts;
	enum vg_edge_kind kind;
	int proc;            /* process node */
	int64_t file, file2, flow;
	bool wrote, evidence;
	char *qname;         /* dns */
};

struct builder {
	struct vg_store *st;
	const struct vg_incident *inc;
	struct vg_graph *g;
	int cap_nodes, cap_edges;
	struct row_entry *by_row;
	struct str_entry *by_exec; /* "host:exec_id" -> process node */
	struct str_entry *by_path; /* a file node's names -> file node */
	struct id_entry *evidence, *written, *seen;
	struct edge_entry *edges; /* (from, to, kind) -> edge */
	struct pending *events;
	int nevents, cap_events;
	int nmembers;
};

static char *dup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		fputs("vigil: out of memory\n", stderr);
		abort();
	}
	return d;
}

static void *grow(void *p, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? 2 * *cap : 32;
	if (*cap < need)
		*cap = need;
	p = realloc(p, (size_t)*cap * size);
	if (!p) {
		fputs("vigil: out of memory\n", stderr);
		abort();
	}
	return p;
}

static bool id_has(struct id_entry *set, int64_t id)
{
	struct id_entry *e;

	HASH_FIND(hh, set, &id, sizeof(id), e);
	return e != NULL;
}

static void id_add(struct id_entry **set, int64_t id)
{
	struct id_entry *e;

	if (id_has(*set, id))
		return;
	e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	e->id = id;
	HASH_ADD(hh, *set, id, sizeof(e->id), e);
}

static void id_free(struct id_entry **set)
{
	struct id_entry *e, *tmp;

	HASH_ITER(hh, *set, e, tmp) {
		HASH_DEL(*set, e);
		free(e);
	}
}

static int find_row(struct builder *b, int kind, int64_t row)
{
	struct row_key k = { .kind = kind, .row = row };
	struct row_entry *e;

	HASH_FIND(hh, b->by_row, &k, sizeof(k), e);
	return e ? e->node : -1;
}

static int find_str(struct str_entry *map, const char *key)
{
	struct str_entry *e;

	HASH_FIND_STR(map, key, e);
	return e ? e->node : -1;
}

static void add_str(struct str_entry **map, const char *key, int node)
{
	struct str_entry *e;

	if (find_str(*map, key) >= 0)
		return;
	e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	e->key = dup(key);
	e->node = node;
	HASH_ADD_KEYPTR(hh, *map, e->key, strlen(e->key), e);
}

static void free_str(struct str_entry **map)
{
	struct str_entry *e, *tmp;

	HASH_ITER(hh, *map, e, tmp) {
		HASH_DEL(*map, e);
		free(e->key);
		free(e);
	}
}

static int new_node(struct builder *b, enum vg_node_kind kind, int64_t row)
{
	struct vg_graph *g = b->g;
	struct vg_graph_node *n;
	struct row_entry *e;

	g->nodes = grow(g->nodes, &b->cap_nodes, g->nnodes + 1, sizeof(*g->nodes));
	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->row = row;
	n->count = 1;
	n->parent = n->merged_into = -1;
	snprintf(n->id, sizeof(n->id), "%c%lld", kind == VG_NODE_PROCESS ? 'p' : kind == VG_NODE_FILE ? 'f' : 'n',
		 (long long)row);
	e = calloc(1, sizeof(*e));
	if (!e)
		abort();
	e->key = (struct row_key){ kind, row };
	e->node = g->nnodes;
	HASH_ADD(hh, b->by_row, key, sizeof(e->key), e);
	return g->nnodes++;
}

/* ---- processes ---------------------------------------------------------------------- */

#define PROC_COLUMNS                                                                                 \
	"id, host, exec_id, parent_exec_id, prev_exec_id, kind, pid, ppid, uid, user, comm, exe, argv, cwd," \
	" tty, container, ssh, exec_time, exited, exit_code, ancestry,"                                  \
	" (SELECT name FROM hosts WHERE hosts.id = procs.host)"

/* argv (a JSON array) joined with spaces, bounded, for a label. */
static char *argv_line(struct vg_store *st, const char *json, const char *fallback)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT group_concat(value, ' ') FROM json_each(?)");
	char line[161] = "";

	if (s) {
		sqlite3_bind_text(s, 1, json, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(line, sizeof(line), "%s", vg_col_text(s, 0));
		sqlite3_reset(s);
	}
	if (strlen(line) == sizeof(line) - 1)
		memcpy(line + sizeof(line) - 4, "...", 3);
	return dup(line[0] ? line : fallback);
}

/* The process node of the row s is on (made from it when new). */
static int proc_node(struct builder *b, sqlite3_stmt *s, bool context)
{
	int64_t row = sqlite3_column_int64(s, 0);
	int i = find_row(b, VG_NODE_PROCESS, row);
	struct vg_graph_node *n;
	char key[128];

	if (i >= 0)
		return i;
	i = new_node(b, VG_NODE_PROCESS, row);
	n = &b->g->nodes[i];
	n->context = context;
	n->exec_id = dup(vg_col_text(s, 2));
	n->kind_of = dup(vg_col_text(s, 5));
	n->pid = sqlite3_column_int(s, 6);
	n->ppid = sqlite3_column_int(s, 7);
	n->uid = sqlite3_column_int64(s, 8);
	n->user = dup(vg_col_text(s, 9));
	n->comm = dup(vg_col_text(s, 10));
	n->exe = dup(vg_col_text(s, 11));
	n->argv_json = dup(sqlite3_column_type(s, 12) == SQLITE_NULL ? "[]" : vg_col_text(s, 12));
	n->cwd = dup(vg_col_text(s, 13));
	n->tty = dup(vg_col_text(s, 14));
	n->container = dup(vg_col_text(s, 15));
	n->ssh = dup(vg_col_text(s, 16));
	n->first = (uint64_t)sqlite3_column_int64(s, 17);
	n->exited = sqlite3_column_type(s, 18) != SQLITE_NULL;
	n->last = n->exited ? (uint64_t)sqlite3_column_int64(s, 18) : n->first;
	n->exit_code = sqlite3_column_int(s, 19);
	n->host = dup(vg_col_text(s, 21));
	snprintf(key, sizeof(key), "%lld:%s", (long long)sqlite3_column_int64(s, 1), n->exec_id);
	add_str(&b->by_exec, key, i);
	b->nmembers += !context;
	return i;
}

/* Side facts of a process node not kept on it: its host, parent and previous image, and
 * ancestry, re-read when edges are made. */
struct proc_links {
	int64_t host;
	char parent[VG_EXEC_ID_LEN], prev[VG_EXEC_ID_LEN];
	char ancestry[1100];
};

static int links_of(struct builder *b, int node, struct proc_links *l)
{
	sqlite3_stmt *s = vg_sql(b->st, "SELECT host, parent_exec_id, prev_exec_id, ancestry FROM procs WHERE id = ?");
	int rc = -1;

	memset(l, 0, sizeof(*l));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, b->g->nodes[node].row);
	if (sqlite3_step(s) == SQLITE_ROW) {
		l->host = sqlite3_column_int64(s, 0);
		snprintf(l->parent, sizeof(l->parent), "%s", vg_col_text(s, 1));
		snprintf(l->prev, sizeof(l->prev), "%s", vg_col_text(s, 2));
		snprintf(l->ancestry, sizeof(l->ancestry), "%s", vg_col_text(s, 3));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

static int node_of_exec(struct builder *b, int64_t host, const char *exec_id)
{
	char key[128];

	snprintf(key, sizeof(key), "%lld:%s", (long long)host, exec_id);
	return exec_id[0] ? find_str(b->by_exec, key) : -1;
}

static void add_rows(struct builder *b, sqlite3_stmt *s, bool context)
{
	while (sqlite3_step(s) == SQLITE_ROW && b->nmembers < VG_GRAPH_MAX_PROCS)
		proc_node(b, s, context);
	if (b->nmembers >= VG_GRAPH_MAX_PROCS)
		b->g->truncated = true;
	sqlite3_reset(s);
}

/* "HOST:ID" */
static bool split_key(const char *key, int64_t *host, const char **id)
{
	char *end;

	*host = strtoll(key, &end, 10);
	if (*end != ':')
		return false;
	*id = end + 1;
	return true;
}

static int add_scope_members(struct builder *b, const char *kind, const char *key)
{
	static const char by_session[] = "SELECT " PROC_COLUMNS " FROM procs WHERE host = ?1 AND session = ?2"
					 " AND exec_time <= ?4 AND (exited IS NULL OR exited >= ?3) ORDER BY exec_time LIMIT ?5";
	static const char by_tree[] = "SELECT " PROC_COLUMNS " FROM procs WHERE host = ?1 AND tree = ?2"
				      " AND exec_time <= ?4 AND (exited IS NULL OR exited >= ?3) ORDER BY exec_time LIMIT ?5";
	static const char by_container[] = "SELECT " PROC_COLUMNS " FROM procs WHERE container = ?2 AND ?1 = ?1"
					   " AND exec_time <= ?4 AND (exited IS NULL OR exited >= ?3) ORDER BY exec_time LIMIT ?5";
	static const char by_descent[] =
		"WITH RECURSIVE sub(id, exec_id) AS (SELECT id, exec_id FROM procs WHERE host = ?1 AND exec_id = ?2"
		" UNION SELECT p.id, p.exec_id FROM sub JOIN procs p ON p.host = ?1 AND p.parent_exec_id = sub.exec_id"
		" UNION SELECT p.id, p.exec_id FROM sub JOIN procs p ON p.host = ?1 AND p.prev_exec_id = sub.exec_id"
		" LIMIT ?5)"
		" SELECT " PROC_COLUMNS " FROM procs WHERE id IN (SELECT id FROM sub)"
		" AND exec_time <= ?4 AND (exited IS NULL OR exited >= ?3) ORDER BY exec_time";
	const char *sql = strcmp(kind, "session") == 0 ? by_session : strcmp(kind, "tree") == 0 ? by_tree
			  : strcmp(kind, "container") == 0 ? by_container : by_descent;
	sqlite3_stmt *s = vg_sql(b->st, sql);
	int64_t host = 0;
	const char *id = key;

	if (!s)
		return -1;
	if (strcmp(kind, "container") != 0 && !split_key(key, &host, &id))
		return 0;
	sqlite3_bind_int64(s, 1, host);
	sqlite3_bind_text(s, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (int64_t)b->g->from);
	sqlite3_bind_int64(s, 4, (int64_t)b->g->to);
	sqlite3_bind_int(s, 5, VG_GRAPH_MAX_PROCS);
	add_rows(b, s, false);
	return 0;
}

static void add_proc_by_row(struct builder *b, int64_t row, bool context)
{
	sqlite3_stmt *s = vg_sql(b->st, "SELECT " PROC_COLUMNS " FROM procs WHERE id = ?");

	if (!s)
		return;
	sqlite3_bind_int64(s, 1, row);
	if (sqlite3_step(s) == SQLITE_ROW)
		proc_node(b, s, context);
	sqlite3_reset(s);
}

/* Ancestors of the topmost members that are outside the scope, up to where the tree came
 * from (as far as the ancestry goes). */
static void add_context(struct builder *b)
{
	sqlite3_stmt *s = vg_sql(b->st, "SELECT " PROC_COLUMNS " FROM procs WHERE host = ? AND exec_id = ?");
	int members = b->g->nnodes, added = 0;

	if (!s)
		return;
	for (int i = 0; i < members && added < MAX_CONTEXT; i++) {
		struct proc_links l;
		sqlite3_stmt *anc;

		if (b->g->nodes[i].kind != VG_NODE_PROCESS || links_of(b, i, &l) < 0 ||
		    node_of_exec(b, l.host, l.parent) >= 0)
			continue;
		anc = vg_sql(b->st, "SELECT value FROM json_each(?) ORDER BY key");
		if (!anc)
			return;
		sqlite3_bind_text(anc, 1, l.ancestry[0] ? l.ancestry : "[]", -1, SQLITE_TRANSIENT);
		while (sqlite3_step(anc) == SQLITE_ROW && added < MAX_CONTEXT) {
			const char *exec_id = vg_col_text(anc, 0);

			if (node_of_exec(b, l.host, exec_id) >= 0)
				break;
			sqlite3_bind_int64(s, 1, l.host);
			sqlite3_bind_text(s, 2, exec_id, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(s) == SQLITE_ROW) {
				proc_node(b, s, true);
				added++;
			}
			sqlite3_reset(s);
		}
		sqlite3_reset(anc);
	}
}

/* ---- events ------------------------------------------------------------------------- */

static bool edge_kind_of(const char *type, bool wrote, enum vg_edge_kind *k)
{
	static const struct {
		const char *type;
		enum vg_edge_kind kind;
	} kinds[] = {
		{ "exec", VG_EDGE_EXECUTE }, { "create_file", VG_EDGE_CREATE }, { "write", VG_EDGE_WRITE },
		{ "rename", VG_EDGE_RENAME }, { "link", VG_EDGE_LINK },         { "chmod", VG_EDGE_CHMOD },
		{ "chown", VG_EDGE_CHOWN },   { "unlink", VG_EDGE_UNLINK },     { "rmdir", VG_EDGE_UNLINK },
		{ "utimes", VG_EDGE_UTIMES }, { "load_module", VG_EDGE_LOAD_MODULE }, { "connect", VG_EDGE_CONNECT },
		{ "accept", VG_EDGE_ACCEPT }, { "bind", VG_EDGE_BIND },         { "dns", VG_EDGE_DNS },
	};

	if (strcmp(type, "open") == 0) {
		*k = wrote ? VG_EDGE_WRITE : VG_EDGE_READ;
		return true;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(type, kinds[i].type) == 0) {
			*k = kinds[i].kind;
			return true;
		}
	return false;
}

#define EVENT_COLUMNS "id, ts, type, proc, file, file2, flow, wrote, json_extract(fields, '$.dns.qname')"

static void take_event(struct builder *b, sqlite3_stmt *s, int proc)
{
	int64_t id = sqlite3_column_int64(s, 0);
	enum vg_edge_kind kind;
	struct pending *p;

	if (id_has(b->seen, id) || !edge_kind_of(vg_col_text(s, 2), sqlite3_column_int(s, 7), &kind))
		return;
	id_add(&b->seen, id);
	b->events = grow(b->events, &b->cap_events, b->nevents + 1, sizeof(*b->events));
	p = &b->events[b->nevents++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->ts = (uint64_t)sqlite3_column_int64(s, 1);
	p->kind = kind;
	p->proc = proc;
	p->file = sqlite3_column_int64(s, 4);
	p->file2 = sqlite3_column_int64(s, 5);
	p->flow = sqlite3_column_int64(s, 6);
	p->wrote = sqlite3_column_int(s, 7);
	p->evidence = id_has(b->evidence, id);
	if (sqlite3_column_type(s, 8) != SQLITE_NULL)
		p->qname = dup(vg_col_text(s, 8));
	if (p->wrote && p->file)
		id_add(&b->written, p->file);
}

static int load_events(struct builder *b)
{
	sqlite3_stmt *s = vg_sql(b->st, "SELECT " EVENT_COLUMNS " FROM events WHERE proc = ? AND ts BETWEEN ? AND ?"
				     " AND type IN ('exec', 'create_file', 'open', 'write', 'rename', 'link', 'chmod',"
				     " 'chown', 'unlink', 'rmdir', 'utimes', 'load_module', 'connect', 'accept', 'bind',"
				     " 'dns') ORDER BY ts LIMIT ?");
	sqlite3_stmt *ev;
	int nodes = b->g->nnodes;

	if (!s)
		return -1;
	for (int i = 0; i < nodes; i++) {
		if (b->g->nodes[i].context)
			continue;
		sqlite3_bind_int64(s, 1, b->g->nodes[i].row);
		sqlite3_bind_int64(s, 2, (int64_t)b->g->from);
		sqlite3_bind_int64(s, 3, (int64_t)b->g->to);
		sqlite3_bind_int(s, 4, MAX_EVENTS_PER_PROC);
		while (sqlite3_step(s) == SQLITE_ROW)
			take_event(b, s, i);
		sqlite3_reset(s);
	}
	/* evidence outside the members' span (a frequency rule's early events) */
	ev = vg_sql(b->st, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?");
	if (!ev)
		return -1;
	for (int a = 0; a < b->inc->nalerts; a++)
		for (int j = 0; j < b->inc->alerts[a].nevidence; j++) {
			int64_t id = b->inc->alerts[a].evidence[j];

			if (id_has(b->seen, id))
				continue;
			sqlite3_bind_int64(ev, 1, id);
			if (sqlite3_step(ev) == SQLITE_ROW && sqlite3_column_type(ev, 3) != SQLITE_NULL) {
				int64_t proc = sqlite3_column_int64(ev, 3);
				int node = find_row(b, VG_NODE_PROCESS, proc);

				if (node < 0) {
					sqlite3_reset(ev);
					add_proc_by_row(b, proc, false);
					node = find_row(b, VG_NODE_PROCESS, proc);
					sqlite3_bind_int64(ev, 1, id);
					if (node < 0 || sqlite3_step(ev) != SQLITE_ROW) {
						sqlite3_reset(ev);
						continue;
					}
				}
				take_event(b, ev, node);
			}
			sqlite3_reset(ev);
		}
	return 0;
}

static int file_node(struct builder *b, int64_t file)
{
	int i = find_row(b, VG_NODE_FILE, file);
	sqlite3_stmt *s;
	struct vg_graph_node *n;
	int cap = 0;

	if (i >= 0)
		return i;
	s = vg_sql(b->st, "SELECT path, dev, ino FROM files WHERE id = ?");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, file);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return -1;
	}
	i = new_node(b, VG_NODE_FILE, file);
	n = &b->g->nodes[i];
	n->path = dup(vg_col_text(s, 0));
	n->dev = sqlite3_column_int64(s, 1);
	n->ino = sqlite3_column_int64(s, 2);
	n->label = dup(n->path);
	sqlite3_reset(s);
	s = vg_sql(b->st, "SELECT path FROM file_names WHERE file = ? ORDER BY first, id");
	if (!s)
		return i;
	sqlite3_bind_int64(s, 1, file);
	while (sqlite3_step(s) == SQLITE_ROW) {
		n = &b->g->nodes[i];
		n->paths = grow(n->paths, &cap, n->npaths + 1, sizeof(*n->paths));
		n->paths[n->npaths++] = dup(vg_col_text(s, 0));
		add_str(&b->by_path, vg_col_text(s, 0), i);
	}
	sqlite3_reset(s);
	n = &b->g->nodes[i];
	if (n->npaths) { /* known by its last name */
		free(n->path);
		free(n->label);
		n->path = dup(n->paths[n->npaths - 1]);
		n->label = dup(n->path);
	}
	return i;
}

/* The endpoint an event reached: the remote end (connect, accept, dns) or the local one
 * (bind). */
static int endpoint_node(struct builder *b, int64_t flow, enum vg_edge_kind kind, const char *qname)
{
	sqlite3_stmt *s = vg_sql(b->st, "SELECT proto, sip, sport, dip, dport FROM flows WHERE id = ?");
	bool local = kind == VG_EDGE_BIND;
	struct vg_graph_node *n;
	char label[300];
	int i;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, flow);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return -1;
	}
	/* one node per endpoint, not per flow: flows to one endpoint from many ports */
	snprintf(label, sizeof(label), "%s:%d/%s%s%s", vg_col_text(s, local ? 1 : 3), sqlite3_column_int(s, local ? 2 : 4),
		 vg_col_text(s, 0), qname ? " " : "", qname ? qname : "");
	if ((i = find_str(b->by_path, label)) >= 0) {
		sqlite3_reset(s);
		return i;
	}
	i = new_node(b, VG_NODE_ENDPOINT, flow);
	n = &b->g->nodes[i];
	n->proto = dup(vg_col_text(s, 0));
	n->addr = dup(vg_col_text(s, local ? 1 : 3));
	n->port = sqlite3_column_int(s, local ? 2 : 4);
	n->qname = qname ? dup(qname) : NULL;
	n->label = dup(label);
	sqlite3_reset(s);
	add_str(&b->by_path, label, i);
	return i;
}

static int find_edge(struct edge_entry *map, int from, int to, enum vg_edge_kind kind)
{
	struct edge_key k;
	struct edge_entry *e;

	memset(&k, 0, sizeof(k));
	k.from = from;
	k.to = to;
	k.kind = kind;
	HASH_FIND(hh, map, &k, sizeof(k), e);
	return e ? e->edge : -1;
}

static void index_edge(struct edge_entry **map, const struct vg_graph_edge *e, int edge)
{
	struct edge_entry *x = calloc(1, sizeof(*x));

	if (!x)
		abort();
	x->key.from = e->from;
	x->key.to = e->to;
	x->key.kind = e->kind;
	x->edge = edge;
	HASH_ADD(hh, *map, key, sizeof(x->key), x);
}

static void free_edges(struct edge_entry **map)
{
	struct edge_entry *e, *tmp;

	HASH_ITER(hh, *map, e, tmp) {
		HASH_DEL(*map, e);
		free(e);
	}
}

/* e's occurrences added to d (the same from, to and kind). */
static void fold(struct vg_graph_edge *d, const struct vg_graph_edge *e)
{
	d->count += e->count;
	if (e->first < d->first) {
		d->first = e->first;
		d->event = e->event;
	}
	d->last = e->last > d->last ? e->last : d->last;
	d->evidence |= e->evidence;
}

static void add_edge(struct builder *b, int from, int to, enum vg_edge_kind kind, uint64_t ts, int64_t event,
		     bool evidence)
{
	struct vg_graph *g = b->g;
	struct vg_graph_edge e = { .from = from, .to = to, .kind = kind, .first = ts, .last = ts, .count = 1,
				   .event = event, .evidence = evidence };
	int i = find_edge(b->edges, from, to, kind);

	if (i >= 0) {
		fold(&g->edges[i], &e);
		return;
	}
	g->edges = grow(g->edges, &b->cap_edges, g->nedges + 1, sizeof(*g->edges));
	g->edges[g->nedges] = e;
	index_edge(&b->edges, &e, g->nedges++);
}

/* Terminals and the null, zero and random devices: opened by everything, dropped by
 * nobody. */
static bool not_a_file(const char *path)
{
	static const char *const devices[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
					       "/dev/tty", "/dev/ptmx" };

	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (strcmp(path, devices[i]) == 0)
			return true;
	return strncmp(path, "/dev/pts/", 9) == 0 || strncmp(path, "/dev/tty", 8) == 0;
}

/* Events to edges: reads and executions only of files the incident wrote (or, for reads,
 * that an alert cites). */
static void event_edges(struct builder *b)
{
	for (int i = 0; i < b->nevents; i++) {
		struct pending *p = &b->events[i];
		bool conditional = p->kind == VG_EDGE_READ || p->kind == VG_EDGE_EXECUTE;
		int target;

		/* an alert's exec is drawn by its marked process, not by an edge from the image */
		if (conditional && !id_has(b->written, p->file) && !(p->evidence && p->kind == VG_EDGE_READ)) {
			b->g->omitted_events++;
			continue;
		}
		if (p->kind >= VG_EDGE_CONNECT) {
			target = p->flow ? endpoint_node(b, p->flow, p->kind, p->qname) : -1;
		} else {
			target = p->file ? file_node(b, p->file) : -1;
			if (target >= 0 && (not_a_file(b->g->nodes[target].path) ||
					    (p->kind == VG_EDGE_WRITE && find_edge(b->edges, p->proc, target, VG_EDGE_CREATE) >= 0))) {
				b->g->omitted_events++; /* a device, or the write that came with a create */
				continue;
			}
			if (p->file2 && file_node(b, p->file2) >= 0 && target >= 0)
				add_edge(b, p->proc, file_node(b, p->file2), p->kind, p->ts, p->id, p->evidence);
		}
		if (target < 0) {
			b->g->omitted_events++;
			continue;
		}
		if (p->kind == VG_EDGE_EXECUTE || p->kind == VG_EDGE_ACCEPT)
			add_edge(b, target, p->proc, p->kind, p->ts, p->id, p->evidence);
		else
			add_edge(b, p->proc, target, p->kind, p->ts, p->id, p->evidence);
	}
}

struct lateral_search {
	struct builder *b;
	int node;            /* the process node whose end is searched */
	bool node_is_client; /* lateral edges go from the client to the server */
	uint64_t ts;
	int64_t event;
	bool evidence;
};

static int lateral_peer(int64_t proc, int64_t event, void *ctx)
{
	struct lateral_search *l = ctx;
	int peer = find_row(l->b, VG_NODE_PROCESS, proc);

	if (peer >= 0 && peer != l->node)
		add_edge(l->b, l->node_is_client ? l->node : peer, l->node_is_client ? peer : l->node, VG_EDGE_LATERAL,
			 l->ts, l->node_is_client ? l->event : event, l->evidence);
	return 0;
}

/* The incident's connections from one host to another (lateral.h): each connect to the
 * process that accepted it, and to each ssh session the first of whose processes (its
 * parent has no such SSH_CONNECTION) is in the graph. */
static void lateral_edges(struct builder *b)
{
	sqlite3_stmt *parent_ssh = vg_sql(b->st, "SELECT p.ssh FROM procs c JOIN procs p ON p.host = c.host"
						  " AND p.exec_id = c.parent_exec_id WHERE c.id = ?");
	int nodes = b->g->nnodes;

	for (int i = 0; i < b->nevents; i++) {
		struct pending *p = &b->events[i];
		struct lateral_search l = { b, p->proc, true, p->ts, p->id, p->evidence };
		struct vg_conn_end end;
		uint64_t ts;

		if (p->kind == VG_EDGE_CONNECT && p->flow && vg_conn_end_of_event(b->st, p->id, &end, &ts))
			vg_lateral_peers(b->st, &end, ts > VG_LATERAL_SKEW_NS ? ts - VG_LATERAL_SKEW_NS : 0,
					 ts + VG_LATERAL_SKEW_NS, lateral_peer, &l);
	}
	for (int i = 0; i < nodes && parent_ssh; i++) {
		struct vg_graph_node *n = &b->g->nodes[i];
		struct lateral_search l = { b, i, false, n->first, 0, false };
		struct vg_conn_end end;
		struct proc_links pl;
		bool inherited;

		if (n->kind != VG_NODE_PROCESS || !n->ssh || !n->ssh[0] || links_of(b, i, &pl) < 0 ||
		    !vg_conn_end_from_ssh(n->ssh, pl.host, &end))
			continue;
		sqlite3_bind_int64(parent_ssh, 1, n->row);
		inherited = sqlite3_step(parent_ssh) == SQLITE_ROW && strcmp(vg_col_text(parent_ssh, 0), n->ssh) == 0;
		sqlite3_reset(parent_ssh);
		if (!inherited)
			vg_lateral_peers(b->st, &end, b->g->from, n->first + VG_LATERAL_SKEW_NS, lateral_peer, &l);
	}
}

static bool has_edge_between(const struct vg_graph *g, int a, int b)
{
	for (int i = 0; i < g->nedges; i++)
		if ((g->edges[i].from == a && g->edges[i].to == b) || (g->edges[i].from == b && g->edges[i].to == a))
			return true;
	return false;
}

/* A process given a written file as its script (sh /tmp/x.sh, python3 ./x.py: the first
 * argument that is not an option, joined to its cwd when relative): an execute edge from
 * the file, as for a binary. Not when the process itself touched the file (curl -o F,
 * chmod +x F: F is what they work on, not what they run). */
static void script_edges(struct builder *b)
{
	sqlite3_stmt *s = vg_sql(b->st, "SELECT value FROM json_each(?) WHERE key >= 1"
					" AND substr(value, 1, 1) NOT IN ('-', '+') ORDER BY key LIMIT 1");
	int nodes = b->g->nnodes;

	if (!s)
		return;
	for (int i = 0; i < nodes; i++) {
		struct vg_graph_node *n = &b->g->nodes[i];

		if (n->kind != VG_NODE_PROCESS || n->context)
			continue;
		sqlite3_bind_text(s, 1, n->argv_json, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW) {
			const char *arg = vg_col_text(s, 0);
			char path[4200];
			int f;

			if (arg[0] == '/')
				snprintf(path, sizeof(path), "%s", arg);
			else
				snprintf(path, sizeof(path), "%s/%s", b->g->nodes[i].cwd,
					 strncmp(arg, "./", 2) == 0 ? arg + 2 : arg);
			f = find_str(b->by_path, path);
			if (f >= 0 && b->g->nodes[f].kind == VG_NODE_FILE && id_has(b->written, b->g->nodes[f].row) &&
			    !has_edge_between(b->g, f, i))
				add_edge(b, f, i, VG_EDGE_EXECUTE, b->g->nodes[i].first, 0, false);
		}
		sqlite3_reset(s);
	}
}

/* fork/exec between processes. A forked image that only exec'd (nothing of its own
 * happened in it) is not drawn: its parent spawns the new image directly. */
static void tree_edges(struct builder *b)
{
	int nodes = b->g->nnodes;
	int *busy = calloc((size_t)nodes + 1, sizeof(*busy)); /* node has edges of its own */

	if (!busy)
		abort();
	for (int i = 0; i < b->g->nedges; i++) {
		busy[b->g->edges[i].from] = 1;
		busy[b->g->edges[i].to] = 1;
	}
	for (int i = 0; i < nodes; i++) {
		struct vg_graph_node *n = &b->g->nodes[i];
		struct proc_links l;
		int parent, prev;

		if (n->kind != VG_NODE_PROCESS || links_of(b, i, &l) < 0)
			continue;
		parent = node_of_exec(b, l.host, l.parent);
		prev = node_of_exec(b, l.host, l.prev);
		if (prev >= 0 && strcmp(b->g->nodes[prev].kind_of, "fork") == 0 && !busy[prev] &&
		    !b->g->nodes[prev].alerting) {
			/* fork + exec: drawn as one spawn */
			b->g->nodes[prev].merged_into = i;
			prev = -1;
		}
		if (prev >= 0) {
			n->parent = prev;
			add_edge(b, prev, i, VG_EDGE_EXEC, n->first, 0, false);
		} else if (parent >= 0) {
			n->parent = parent;
			add_edge(b, parent, i, strcmp(n->kind_of, "fork") == 0 ? VG_EDGE_FORK : VG_EDGE_EXEC, n->first, 0,
				 false);
		}
	}
	/* the fork edge into an elided image goes: its exec image has its own from the
	 * parent (a self-loop is dropped by reattach) */
	for (int i = 0; i < b->g->nedges; i++) {
		struct vg_graph_edge *e = &b->g->edges[i];

		if (b->g->nodes[e->to].merged_into >= 0 && e->kind == VG_EDGE_FORK)
			e->from = e->to;
	}
	free(busy);
}

static void mark_alerts(struct builder *b)
{
	for (int a = 0; a < b->inc->nalerts; a++) {
		const struct vg_incident_alert *al = &b->inc->alerts[a];

		for (int j = 0; j < al->nprocs; j++) {
			int i = find_row(b, VG_NODE_PROCESS, al->procs[j]);
			struct vg_graph_node *n;

			if (i < 0)
				continue;
			n = &b->g->nodes[i];
			n->alerting = true;
			n->alerts = realloc(n->alerts, (size_t)(n->nalerts + 1) * sizeof(*n->alerts));
			n->alerts[n->nalerts++] = al->id;
		}
	}
}

/* ---- collapsing --------------------------------------------------------------------- */

static void absorb(struct vg_graph *g, int into, int from)
{
	struct vg_graph_node *a = &g->nodes[into], *n = &g->nodes[from];

	n->merged_into = into;
	a->count += n->count;
	a->first = n->first < a->first ? n->first : a->first;
	a->last = n->last > a->last ? n->last : a->last;
	a->alerting |= n->alerting;
	for (int k = 0; k < n->nalerts; k++) {
		bool have = false;

		for (int m = 0; m < a->nalerts; m++)
			have |= a->alerts[m] == n->alerts[k];
		if (!have) {
			a->alerts = realloc(a->alerts, (size_t)(a->nalerts + 1) * sizeof(*a->alerts));
			a->alerts[a->nalerts++] = n->alerts[k];
		}
	}
	if (a->kind == VG_NODE_PROCESS && a->nsamples < MAX_SAMPLES && n->exec_id) {
		if (!a->nsamples) {
			a->samples = calloc(MAX_SAMPLES, sizeof(*a->samples));
			a->samples[a->nsamples++] = dup(a->exec_id);
		}
		a->samples[a->nsamples++] = dup(n->exec_id);
	}
	if (a->kind == VG_NODE_FILE) {
		a->paths = realloc(a->paths, (size_t)(a->npaths + n->npaths) * sizeof(*a->paths));
		for (int k = 0; k < n->npaths; k++)
			a->paths[a->npaths++] = dup(n->paths[k]);
	}
	if (a->kind == VG_NODE_ENDPOINT) {
		if (!a->nports) {
			a->ports = malloc(sizeof(*a->ports));
			a->ports[a->nports++] = a->port;
		}
		a->ports = realloc(a->ports, (size_t)(a->nports + n->nports + 1) * sizeof(*a->ports));
		if (n->nports)
			for (int k = 0; k < n->nports; k++)
				a->ports[a->nports++] = n->ports[k];
		else
			a->ports[a->nports++] = n->port;
	}
}

/* Edges of merged nodes move to the node that absorbed them, and edges that then say the
 * same thing become one (counts added). */
static void reattach(struct builder *b)
{
	struct vg_graph *g = b->g;
	int out = 0;

	free_edges(&b->edges);
	for (int i = 0; i < g->nedges; i++) {
		struct vg_graph_edge e = g->edges[i];
		int d;

		while (g->nodes[e.from].merged_into >= 0)
			e.from = g->nodes[e.from].merged_into;
		while (g->nodes[e.to].merged_into >= 0)
			e.to = g->nodes[e.to].merged_into;
		if (e.from == e.to)
			continue;
		if ((d = find_edge(b->edges, e.from, e.to, e.kind)) >= 0) {
			fold(&g->edges[d], &e);
			continue;
		}
		g->edges[out] = e;
		index_edge(&b->edges, &e, out++);
	}
	g->nedges = out;
}

/* parents[i]: node i has a child process drawn. */
static bool *parents_of(const struct vg_graph *g)
{
	bool *p = calloc((size_t)g->nnodes + 1, sizeof(*p));

	if (!p)
		abort();
	for (int i = 0; i < g->nedges; i++)
		if (g->edges[i].kind == VG_EDGE_FORK || g->edges[i].kind == VG_EDGE_EXEC)
			p[g->edges[i].from] = true;
	return p;
}

static bool same_siblings(const struct vg_graph_node *a, const struct vg_graph_node *b, bool with_args)
{
	return a->parent == b->parent && strcmp(a->exe, b->exe) == 0 && strcmp(a->kind_of, b->kind_of) == 0 &&
	       (!with_args || strcmp(a->argv_json, b->argv_json) == 0);
}

static bool leaf_sibling(const struct vg_graph *g, const bool *parents, int i)
{
	const struct vg_graph_node *n = &g->nodes[i];

	return n->kind == VG_NODE_PROCESS && !n->context && live(g, i) && n->parent >= 0 && !parents[i];
}

static void collapse_siblings(struct builder *b, bool with_args, int threshold)
{
	struct vg_graph *g = b->g;
	bool *parents = parents_of(g);

	for (int i = 0; i < g->nnodes; i++) {
		int group = 0;

		if (!leaf_sibling(g, parents, i))
			continue;
		for (int j = i + 1; j < g->nnodes; j++)
			group += leaf_sibling(g, parents, j) && same_siblings(&g->nodes[i], &g->nodes[j], with_args);
		if (group + 1 < threshold)
			continue;
		for (int j = i + 1; j < g->nnodes; j++)
			if (leaf_sibling(g, parents, j) && same_siblings(&g->nodes[i], &g->nodes[j], with_args))
				absorb(g, i, j);
	}
	free(parents);
	reattach(b);
}

/* For each file or endpoint: the only node with edges to it and the kind of those edges
 * (source -1 when several nodes or kinds reach it). */
struct leaf_source {
	int source; /* -2: none yet */
	enum vg_edge_kind kind;
};

static struct leaf_source *sources_of(const struct vg_graph *g)
{
	struct leaf_source *src = malloc(((size_t)g->nnodes + 1) * sizeof(*src));

	if (!src)
		abort();
	for (int i = 0; i < g->nnodes; i++)
		src[i].source = -2;
	for (int i = 0; i < g->nedges; i++) {
		const struct vg_graph_edge *e = &g->edges[i];
		int ends[2][2] = { { e->to, e->from }, { e->from, e->to } };

		for (int k = 0; k < 2; k++) {
			struct leaf_source *s = &src[ends[k][0]];

			if (g->nodes[ends[k][0]].kind == VG_NODE_PROCESS)
				continue;
			if (s->source == -2) {
				s->source = ends[k][1];
				s->kind = e->kind;
			} else if (s->source != ends[k][1] || s->kind != e->kind) {
				s->source = -1;
			}
		}
	}
	return src;
}

static void dir_of(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	snprintf(out, len, "%.*s", slash ? (int)(slash - path) : 0, path);
}

static bool alike(const struct vg_graph_node *a, const struct vg_graph_node *b)
{
	char da[4096], db[4096];

	if (a->kind != b->kind)
		return false;
	if (a->kind == VG_NODE_ENDPOINT)
		return strcmp(a->addr, b->addr) == 0 && strcmp(a->proto, b->proto) == 0 && !a->qname && !b->qname;
	dir_of(a->path, da, sizeof(da));
	dir_of(b->path, db, sizeof(db));
	return strcmp(da, db) == 0;
}

static bool same_leaf(const struct vg_graph *g, const struct leaf_source *src, int i, int j)
{
	return live(g, j) && src[j].source == src[i].source && src[j].kind == src[i].kind &&
	       alike(&g->nodes[i], &g->nodes[j]);
}

static void collapse_leaves(struct builder *b)
{
	struct vg_graph *g = b->g;
	struct leaf_source *src = sources_of(g);

	for (int i = 0; i < g->nnodes; i++) {
		struct vg_graph_node *n = &g->nodes[i];
		int group = 0;

		if (n->kind == VG_NODE_PROCESS || !live(g, i) || src[i].source < 0)
			continue;
		for (int j = i + 1; j < g->nnodes; j++)
			group += same_leaf(g, src, i, j);
		if (group + 1 < LEAVES_ALIKE)
			continue;
		for (int j = i + 1; j < g->nnodes; j++)
			if (same_leaf(g, src, i, j))
				absorb(g, i, j);
		n = &g->nodes[i];
		free(n->label);
		if (n->kind == VG_NODE_ENDPOINT) {
			char label[200];

			snprintf(label, sizeof(label), "%s (%d ports)/%s", n->addr, n->nports, n->proto);
			n->label = dup(label);
			n->port = 0;
		} else {
			char dir[4096], label[4200];

			dir_of(n->path, dir, sizeof(dir));
			snprintf(label, sizeof(label), "%s/ (%d files)", dir, n->count);
			n->label = dup(label);
		}
	}
	free(src);
	reattach(b);
}

static void label_processes(struct builder *b)
{
	for (int i = 0; i < b->g->nnodes; i++) {
		struct vg_graph_node *n = &b->g->nodes[i];

		if (n->kind == VG_NODE_PROCESS && !n->label)
			n->label = argv_line(b->st, n->argv_json, n->comm);
	}
}

/* Where it came in: the context node the oldest member root hangs from, else that root. */
static int entry_of(const struct vg_graph *g)
{
	int root = -1;

	for (int i = 0; i < g->nnodes; i++) {
		const struct vg_graph_node *n = &g->nodes[i];

		if (n->kind != VG_NODE_PROCESS || n->context || !live(g, i))
			continue;
		if ((n->parent < 0 || g->nodes[n->parent].context) && (root < 0 || n->first < g->nodes[root].first))
			root = i;
	}
	if (root >= 0 && g->nodes[root].parent >= 0)
		return g->nodes[root].parent;
	return root;
}

static void builder_free(struct builder *b)
{
	struct row_entry *e, *tmp;

	HASH_ITER(hh, b->by_row, e, tmp) {
		HASH_DEL(b->by_row, e);
		free(e);
	}
	free_str(&b->by_exec);
	free_str(&b->by_path);
	id_free(&b->evidence);
	id_free(&b->written);
	id_free(&b->seen);
	free_edges(&b->edges);
	for (int i = 0; i < b->nevents; i++)
		free(b->events[i].qname);
	free(b->events);
}

static void free_strings(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void node_free(struct vg_graph_node *n)
{
	free(n->label);
	free(n->alerts);
	free(n->exec_id);
	free(n->exe);
	free(n->comm);
	free(n->argv_json);
	free(n->user);
	free(n->container);
	free(n->cwd);
	free(n->tty);
	free(n->ssh);
	free(n->host);
	free(n->kind_of);
	free_strings(n->samples, n->nsamples);
	free(n->path);
	free_strings(n->paths, n->npaths);
	free(n->proto);
	free(n->addr);
	free(n->qname);
	free(n->ports);
}

/* The nodes drawn, and nothing else: merged nodes, and files or endpoints no edge reached
 * (devices, skipped writes), leave the array; edges and parents follow the new indexes. */
static void compact(struct vg_graph *g)
{
	int *to = malloc(((size_t)g->nnodes + 1) * sizeof(*to));
	bool *used = calloc((size_t)g->nnodes + 1, sizeof(*used));
	int n = 0;

	if (!to || !used)
		abort();
	for (int i = 0; i < g->nedges; i++)
		used[g->edges[i].from] = used[g->edges[i].to] = true;
	for (int i = 0; i < g->nnodes; i++) {
		struct vg_graph_node *x = &g->nodes[i];

		if (!live(g, i) || (x->kind != VG_NODE_PROCESS && !used[i])) {
			to[i] = -1;
			continue;
		}
		to[i] = n++;
	}
	for (int i = 0; i < g->nnodes; i++) {
		struct vg_graph_node *x = &g->nodes[i];
		int p = x->parent;

		while (p >= 0 && g->nodes[p].merged_into >= 0)
			p = g->nodes[p].merged_into;
		x->parent = p >= 0 ? to[p] : -1;
	}
	for (int i = 0; i < g->nnodes; i++) {
		if (to[i] < 0) {
			node_free(&g->nodes[i]);
			continue;
		}
		g->nodes[to[i]] = g->nodes[i];
		g->nodes[to[i]].merged_into = -1;
	}
	g->nnodes = n;
	for (int i = 0; i < g->nedges; i++) {
		g->edges[i].from = to[g->edges[i].from];
		g->edges[i].to = to[g->edges[i].to];
	}
	free(to);
	free(used);
}

int vg_graph_build(struct vg_store *st, const struct vg_incident *inc, struct vg_graph *g)
{
	struct builder b = { .st = st, .inc = inc, .g = g };
	int rc = 0;

	memset(g, 0, sizeof(*g));
	g->entry = -1;
	g->from = inc->first > LEAD_NS ? inc->first - LEAD_NS : 0;
	g->to = inc->last + TAIL_NS;
	for (int a = 0; a < inc->nalerts; a++)
		for (int j = 0; j < inc->alerts[a].nevidence; j++)
			id_add(&b.evidence, inc->alerts[a].evidence[j]);
	for (int i = 0; i < inc->nscopes && rc == 0; i++)
		rc = add_scope_members(&b, inc->scopes[i].kind, inc->scopes[i].key);
	for (int a = 0; a < inc->nalerts && rc == 0; a++)
		for (int j = 0; j < inc->alerts[a].nprocs; j++)
			add_proc_by_row(&b, inc->alerts[a].procs[j], false);
	if (rc == 0) {
		add_context(&b);
		rc = load_events(&b);
	}
	if (rc == 0) {
		mark_alerts(&b);
		event_edges(&b);
		lateral_edges(&b);
		script_edges(&b);
		tree_edges(&b);
		reattach(&b);
		collapse_siblings(&b, true, SIBLINGS_SAME_ARGS);
		collapse_siblings(&b, false, SIBLINGS_SAME_IMAGE);
		collapse_leaves(&b);
		label_processes(&b);
		compact(g);
		g->entry = entry_of(g);
	}
	builder_free(&b);
	return rc;
}

void vg_graph_free(struct vg_graph *g)
{
	for (int i = 0; i < g->nnodes; i++)
		node_free(&g->nodes[i]);
	free(g->nodes);
	free(g->edges);
	memset(g, 0, sizeof(*g));
}

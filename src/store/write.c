/* write.c — batches into the store, several in one transaction (write.h).
 *
 * The writer remembers the row id of the process images it wrote (and what of them can
 * change: session, credentials, parent) so that an image seen again in a later batch
 * costs no statement; the cache is dropped whole when it fills. Everything else is
 * looked up through the indexes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "clock.h"
#include "host.h"
#include "incident/incident.h"
#include "rules/rules.h"
#include "store/internal.h"
#include "store/write.h"

#define PROC_CACHE_MAX 65536
#define FILE_CACHE_MAX 65536

struct known_name;
struct known_inode;

struct known_proc {
	char exec_id[VG_EXEC_ID_LEN];
	int64_t id;
	int32_t sid, ppid;
	uint32_t uid, euid;
	UT_hash_handle hh;
};

struct st_writer {
	struct vg_store *st;
	int64_t run;
	char host_id[128], boot_id[64], name[256];
	bool fleet;   /* writing for another host: records deduplicated, stats kept per host */
	int64_t host; /* hosts.id, resolved at the first batch */
	struct known_proc *procs;
	unsigned nprocs;
	struct known_name *names;
	unsigned nnames;
	struct known_inode *inodes;
	unsigned ninodes;
	int64_t *rows;       /* procs.id of each record of the batch being written */
	uint32_t rows_cap;
	int64_t evidence[64]; /* the evidence rows of the alert being assembled */
	int nevidence;
	uint64_t duplicates, batch_duplicates; /* fleet records skipped: committed, in this batch */
};

struct st_writer *st_writer_new(struct vg_store *st, int64_t run, const struct st_host *host)
{
	struct st_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->st = st;
	w->run = run;
	w->fleet = host != NULL;
	snprintf(w->host_id, sizeof(w->host_id), "%s", host ? host->host_id : vg_host_id());
	snprintf(w->boot_id, sizeof(w->boot_id), "%s", host ? host->boot_id : vg_boot_id());
	snprintf(w->name, sizeof(w->name), "%s", host ? host->name : vg_host_name());
	return w;
}

static void forget_files(struct st_writer *w);

uint64_t st_writer_duplicates(const struct st_writer *w)
{
	return w->duplicates;
}

void st_writer_forget(struct st_writer *w)
{
	struct known_proc *p, *tmp;

	HASH_ITER(hh, w->procs, p, tmp) {
		HASH_DEL(w->procs, p);
		free(p);
	}
	w->nprocs = 0;
	forget_files(w);
}

void st_writer_free(struct st_writer *w)
{
	if (!w)
		return;
	st_writer_forget(w);
	free(w->rows);
	free(w);
}

static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* The row id a RETURNING statement gives (0 on failure). */
static int64_t step_id(sqlite3_stmt *s)
{
	int64_t id = 0;

	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

/* The row an INSERT made: its id, 0 when its ON CONFLICT DO UPDATE path took an existing
 * row instead (that path leaves last_insert_rowid at the 0 set here), -1 on failure.
 * Cheaper than RETURNING, which SQLite runs through an ephemeral table per statement. */
static int64_t step_insert(struct st_writer *w, sqlite3_stmt *s)
{
	sqlite3_set_last_insert_rowid(w->st->db, 0);
	if (step_done(s) < 0)
		return -1;
	return sqlite3_last_insert_rowid(w->st->db);
}

static int64_t host_row(struct st_writer *w)
{
	sqlite3_stmt *s = vg_sql(w->st, "INSERT INTO hosts(host_id, boot_id, name) VALUES(?, ?, ?)"
				       " ON CONFLICT(host_id, boot_id) DO UPDATE SET name = excluded.name RETURNING id");

	if (!s)
		return 0;
	sqlite3_bind_text(s, 1, w->host_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, w->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, w->name, -1, SQLITE_STATIC);
	return step_id(s);
}

/* A fleet record's sequence number, stored once per host boot: false when it was already
 * (a message delivered again), and the record is then skipped. */
static int first_delivery(struct st_writer *w, uint64_t seq, uint64_t ts)
{
	sqlite3_stmt *s = vg_sql(w->st, "INSERT OR IGNORE INTO collected(host, seq, ts) VALUES(?, ?, ?)");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, w->host);
	sqlite3_bind_int64(s, 2, (int64_t)seq);
	sqlite3_bind_int64(s, 3, (int64_t)ts);
	if (step_done(s) < 0)
		return -1;
	return sqlite3_changes(w->st->db) > 0;
}

/* ---- processes ------------------------------------------------------------------ */

#define TXT(b, s) st_text(b, s), (s).len

/* The image this exec replaced: the same process (pid and start time), not exited; into
 * prev, or NULL. */
static const char *prev_image(struct st_writer *w, const struct st_batch *b, const struct st_proc *p,
			      char prev[VG_EXEC_ID_LEN])
{
	sqlite3_stmt *s = vg_sql(w->st, "SELECT exec_id FROM procs WHERE host = ? AND pid = ? AND started = ?"
				       " AND exited IS NULL AND exec_id <> ? ORDER BY id DESC LIMIT 1");
	const char *out = NULL;

	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, w->host);
	sqlite3_bind_int(s, 2, p->pid);
	sqlite3_bind_int64(s, 3, (int64_t)p->started);
	vg_bind_textn(s, 4, TXT(b, p->exec_id));
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(prev, VG_EXEC_ID_LEN, "%s", vg_col_text(s, 0));
		out = prev;
	}
	sqlite3_reset(s);
	return out;
}

static int64_t write_proc(struct st_writer *w, const struct st_batch *b, const struct st_proc *p)
{
	const char *exec_id = st_text(b, p->exec_id);
	struct known_proc *k = NULL;
	char prev_buf[VG_EXEC_ID_LEN];
	const char *prev = NULL;
	sqlite3_stmt *s;
	int64_t id;

	HASH_FIND_STR(w->procs, exec_id, k);
	if (k && k->sid == p->sid && k->ppid == p->ppid && k->uid == p->uid && k->euid == p->euid)
		return k->id;
	if (!k && p->kind == 'e')
		prev = prev_image(w, b, p, prev_buf);
	s = vg_sql(w->st,
		"INSERT INTO procs(host, exec_id, parent_exec_id, prev_exec_id, kind, pid, ppid, pgid, sid, session,"
		" tree, uid, euid, gid, auid, user, comm, exe, argv, cwd, tty, container, ssh, ld_preload, ancestry,"
		" started, exec_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"
		" ON CONFLICT(exec_id, host) DO UPDATE SET ppid = excluded.ppid, pgid = excluded.pgid,"
		" sid = excluded.sid, session = coalesce(excluded.session, session), tree = excluded.tree,"
		" uid = excluded.uid, euid = excluded.euid, gid = excluded.gid, auid = excluded.auid,"
		" user = excluded.user, comm = excluded.comm, ancestry = excluded.ancestry");
	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, w->host);
	vg_bind_textn(s, 2, TXT(b, p->exec_id));
	vg_bind_textn(s, 3, TXT(b, p->parent_exec_id));
	vg_bind_text(s, 4, prev);
	sqlite3_bind_text(s, 5, p->kind == 'e' ? "exec" : p->kind == 'p' ? "proc" : "fork", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, p->pid);
	sqlite3_bind_int(s, 7, p->ppid);
	sqlite3_bind_int(s, 8, p->pgid);
	sqlite3_bind_int(s, 9, p->sid);
	vg_bind_textn(s, 10, TXT(b, p->session));
	vg_bind_textn(s, 11, TXT(b, p->tree));
	sqlite3_bind_int64(s, 12, p->uid);
	sqlite3_bind_int64(s, 13, p->euid);
	sqlite3_bind_int64(s, 14, p->gid);
	sqlite3_bind_int64(s, 15, (int32_t)p->auid);
	vg_bind_textn(s, 16, TXT(b, p->user));
	vg_bind_textn(s, 17, TXT(b, p->comm));
	vg_bind_textn(s, 18, TXT(b, p->exe));
	vg_bind_textn(s, 19, TXT(b, p->argv));
	vg_bind_textn(s, 20, TXT(b, p->cwd));
	vg_bind_textn(s, 21, TXT(b, p->tty));
	vg_bind_textn(s, 22, TXT(b, p->container));
	vg_bind_textn(s, 23, TXT(b, p->ssh));
	vg_bind_textn(s, 24, TXT(b, p->ld_preload));
	vg_bind_textn(s, 25, TXT(b, p->ancestry));
	sqlite3_bind_int64(s, 26, (int64_t)p->started);
	sqlite3_bind_int64(s, 27, (int64_t)p->exec_time);
	id = step_insert(w, s);
	if (!id) { /* updated: an image written before this writer's cache (or since it was dropped) */
		s = vg_sql(w->st, "SELECT id FROM procs WHERE exec_id = ? AND host = ?");
		if (!s)
			return 0;
		vg_bind_textn(s, 1, TXT(b, p->exec_id));
		sqlite3_bind_int64(s, 2, w->host);
		id = step_id(s);
	}
	if (id <= 0)
		return 0;
	if (!k) {
		if (w->nprocs >= PROC_CACHE_MAX)
			st_writer_forget(w);
		k = calloc(1, sizeof(*k));
		if (!k)
			return id;
		snprintf(k->exec_id, sizeof(k->exec_id), "%s", exec_id);
		HASH_ADD_STR(w->procs, exec_id, k);
		w->nprocs++;
	}
	k->id = id;
	k->sid = p->sid;
	k->ppid = p->ppid;
	k->uid = p->uid;
	k->euid = p->euid;
	return id;
}

/* ---- files ------------------------------------------------------------------------ */

/* The live name of a path (file_names row, file; 0, 0: the path names no file now), and
 * files by inode: remembered so that a file event costs no lookup when the path or inode
 * was seen before (this writer alone names this host's files). */
struct known_name {
	char *path;
	int64_t name, file;
	UT_hash_handle hh;
};

struct inode_key {
	int64_t dev, ino;
};

struct known_inode {
	struct inode_key key;
	int64_t file;
	UT_hash_handle hh;
};

static struct known_name *known_name(struct st_writer *w, const char *path)
{
	struct known_name *n;

	HASH_FIND_STR(w->names, path, n);
	return n;
}

static void remember_name(struct st_writer *w, const char *path, int64_t name, int64_t file)
{
	struct known_name *n = known_name(w, path);

	if (!n) {
		if (w->nnames >= FILE_CACHE_MAX)
			st_writer_forget(w);
		n = calloc(1, sizeof(*n));
		if (!n || !(n->path = strdup(path))) {
			free(n);
			return;
		}
		HASH_ADD_KEYPTR(hh, w->names, n->path, strlen(n->path), n);
		w->nnames++;
	}
	n->name = name;
	n->file = file;
}

/* The live name row of path: (name row, file), 0 when none: its newest name, unless that
 * one is gone (schema.c, version 2). */
static int64_t live_name(struct st_writer *w, const char *path, int64_t *file)
{
	struct known_name *k = known_name(w, path);
	sqlite3_stmt *s;
	int64_t name = 0;

	*file = 0;
	if (k) {
		*file = k->file;
		return k->name;
	}
	s = vg_sql(w->st, "SELECT id, file, gone FROM file_names WHERE path = ? AND host = ?"
			  " ORDER BY id DESC LIMIT 1");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, w->host);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 2) == SQLITE_NULL) {
		name = sqlite3_column_int64(s, 0);
		*file = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (name)
		remember_name(w, path, name, *file);
	return name;
}

static int end_name(struct st_writer *w, int64_t name, uint64_t ts)
{
	sqlite3_stmt *s = vg_sql(w->st, "UPDATE file_names SET gone = ? WHERE id = ?");

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)ts);
	sqlite3_bind_int64(s, 2, name);
	return step_done(s);
}

/* Gives path to file (taking it from whichever live file had it). */
static int name_live(struct st_writer *w, int64_t file, const char *path, uint64_t ts)
{
	int64_t owner, name = live_name(w, path, &owner);
	sqlite3_stmt *s;

	if (name < 0)
		return -1;
	if (name && owner == file)
		return 0;
	if (name && end_name(w, name, ts) < 0)
		return -1;
	s = vg_sql(w->st, "INSERT INTO file_names(file, host, path, first) VALUES(?, ?, ?, ?)");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, file);
	sqlite3_bind_int64(s, 2, w->host);
	sqlite3_bind_text(s, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (int64_t)ts);
	if (step_done(s) < 0)
		return -1;
	remember_name(w, path, sqlite3_last_insert_rowid(w->st->db), file);
	return 0;
}

/* path no longer names a file (unlinked, renamed away). */
static int name_gone(struct st_writer *w, const char *path, uint64_t ts)
{
	int64_t file, name = live_name(w, path, &file);

	if (name <= 0)
		return (int)name;
	remember_name(w, path, 0, 0);
	return end_name(w, name, ts);
}

static int64_t new_file(struct st_writer *w, const char *path, uint64_t dev, uint64_t ino, uint64_t ts)
{
	sqlite3_stmt *s = vg_sql(w->st, "INSERT INTO files(host, dev, ino, path, first) VALUES(?, ?, ?, ?, ?)");
	int64_t id;

	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, w->host);
	if (ino) {
		sqlite3_bind_int64(s, 2, (int64_t)dev);
		sqlite3_bind_int64(s, 3, (int64_t)ino);
	} else {
		sqlite3_bind_null(s, 2);
		sqlite3_bind_null(s, 3);
	}
	sqlite3_bind_text(s, 4, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (int64_t)ts);
	id = step_insert(w, s);
	return id > 0 ? id : 0;
}

/* The file path names now (made when unknown). */
static int64_t file_by_path(struct st_writer *w, const char *path, uint64_t ts)
{
	int64_t id;

	if (!path || live_name(w, path, &id) < 0)
		return 0;
	if (id)
		return id;
	id = new_file(w, path, 0, 0, ts);
	return id && name_live(w, id, path, ts) == 0 ? id : 0;
}

/* The file of (dev, ino), known by path now. */
static int64_t file_by_inode(struct st_writer *w, const char *path, uint64_t dev, uint64_t ino, uint64_t ts)
{
	struct inode_key key = { (int64_t)dev, (int64_t)ino };
	struct known_inode *k;
	sqlite3_stmt *s;
	int64_t id = 0;

	if (!ino)
		return file_by_path(w, path, ts);
	if (!path)
		return 0;
	HASH_FIND(hh, w->inodes, &key, sizeof(key), k);
	if (k)
		return name_live(w, k->file, path, ts) == 0 ? k->file : 0;
	s = vg_sql(w->st, "SELECT id FROM files WHERE host = ? AND dev = ? AND ino = ?");
	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, w->host);
	sqlite3_bind_int64(s, 2, (int64_t)dev);
	sqlite3_bind_int64(s, 3, (int64_t)ino);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (!id && !(id = new_file(w, path, dev, ino, ts)))
		return 0;
	if (w->ninodes >= FILE_CACHE_MAX)
		st_writer_forget(w);
	if ((k = calloc(1, sizeof(*k)))) {
		k->key = key;
		k->file = id;
		HASH_ADD(hh, w->inodes, key, sizeof(k->key), k);
		w->ninodes++;
	}
	return name_live(w, id, path, ts) == 0 ? id : 0;
}

static void forget_files(struct st_writer *w)
{
	struct known_name *n, *tn;
	struct known_inode *i, *ti;

	HASH_ITER(hh, w->names, n, tn) {
		HASH_DEL(w->names, n);
		free(n->path);
		free(n);
	}
	HASH_ITER(hh, w->inodes, i, ti) {
		HASH_DEL(w->inodes, i);
		free(i);
	}
	w->nnames = w->ninodes = 0;
}

/* The file rows an event names, and whether it changed the file; updates names. */
static int resolve_files(struct st_writer *w, const struct st_batch *b, const struct st_event *e, int64_t *file,
			 int64_t *file2, bool *wrote)
{
	const char *path = st_text(b, e->path), *newpath = st_text(b, e->newpath);

	*file = *file2 = 0;
	*wrote = false;
	if (!path)
		return 0;
	switch (e->type) {
	case VG_EV_CREATE:
	case VG_EV_WRITE:
		*wrote = e->ret >= 0;
		*file = file_by_inode(w, path, e->dev, e->ino, e->ts);
		break;
	case VG_EV_OPEN:
	case VG_EV_EXEC:
		*wrote = e->write_open && e->ret >= 0;
		*file = file_by_inode(w, path, e->dev, e->ino, e->ts);
		break;
	case VG_EV_RENAME:
		*file = file_by_path(w, path, e->ts);
		if (e->ret == 0 && newpath) {
			*wrote = true;
			if (name_gone(w, path, e->ts) < 0 || name_live(w, *file, newpath, e->ts) < 0)
				return -1;
		}
		break;
	case VG_EV_LINK:
		if (e->symlink) { /* path is the target's text: the link is a new file */
			*file2 = path[0] == '/' ? file_by_path(w, path, e->ts) : 0;
			if (!newpath) /* the link's own name was not read: no file row to name */
				return 0;
			*file = file_by_path(w, newpath, e->ts);
		} else {
			*file = file_by_path(w, path, e->ts);
			if (e->ret == 0 && newpath && name_live(w, *file, newpath, e->ts) < 0)
				return -1;
		}
		*wrote = e->ret == 0;
		break;
	case VG_EV_UNLINK:
	case VG_EV_RMDIR:
		*file = file_by_path(w, path, e->ts);
		if (e->ret == 0 && name_gone(w, path, e->ts) < 0)
			return -1;
		break;
	case VG_EV_CHMOD:
		*wrote = e->ret == 0;
		*file = file_by_path(w, path, e->ts);
		break;
	default:
		*file = file_by_path(w, path, e->ts);
	}
	return *file || !path ? 0 : -1;
}

/* ---- flows and events ------------------------------------------------------------ */

/* A flow's key (host, proto, sip, sport, dip, dport) as parameters 1 to 6. */
static void bind_flow_key(struct st_writer *w, sqlite3_stmt *s, const struct st_event *e)
{
	sqlite3_bind_int64(s, 1, w->host);
	sqlite3_bind_text(s, 2, e->proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, e->sip, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, e->sport);
	sqlite3_bind_text(s, 5, e->dip, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, e->dport);
}

static int64_t write_flow(struct st_writer *w, const struct st_event *e)
{
	sqlite3_stmt *s = vg_sql(w->st,
		"INSERT INTO flows(host, proto, sip, sport, dip, dport, first, last, count)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1) ON CONFLICT(host, proto, sip, sport, dip, dport)"
		" DO UPDATE SET last = max(last, excluded.last), count = count + 1");
	int64_t id;

	if (!s)
		return 0;
	bind_flow_key(w, s, e);
	sqlite3_bind_int64(s, 7, (int64_t)e->ts);
	if ((id = step_insert(w, s)))
		return id > 0 ? id : 0;
	/* a flow seen before: counted by the update, found by its key */
	s = vg_sql(w->st, "SELECT id FROM flows WHERE host = ? AND proto = ? AND sip = ? AND sport = ? AND dip = ?"
			  " AND dport = ?");
	if (!s)
		return 0;
	bind_flow_key(w, s, e);
	return step_id(s);
}

static int64_t write_event(struct st_writer *w, const struct st_batch *b, const struct st_event *e)
{
	int64_t proc = w->rows[e->proc], file, file2, flow = 0, id;
	sqlite3_stmt *s;
	bool wrote;

	if (resolve_files(w, b, e, &file, &file2, &wrote) < 0)
		return 0;
	if (e->has_flow && !(flow = write_flow(w, e)))
		return 0;
	s = vg_sql(w->st, "INSERT INTO events(host, cpu, seq, ts, type, proc, file, file2, flow, ret, wrote, fields)"
			  " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, w->host);
	sqlite3_bind_int(s, 2, (int)e->cpu);
	sqlite3_bind_int64(s, 3, (int64_t)e->seq);
	sqlite3_bind_int64(s, 4, (int64_t)e->ts);
	sqlite3_bind_text(s, 5, vg_event_name(e->type), -1, SQLITE_STATIC);
	proc ? sqlite3_bind_int64(s, 6, proc) : sqlite3_bind_null(s, 6);
	file ? sqlite3_bind_int64(s, 7, file) : sqlite3_bind_null(s, 7);
	file2 ? sqlite3_bind_int64(s, 8, file2) : sqlite3_bind_null(s, 8);
	flow ? sqlite3_bind_int64(s, 9, flow) : sqlite3_bind_null(s, 9);
	sqlite3_bind_int(s, 10, e->ret);
	sqlite3_bind_int(s, 11, wrote);
	vg_bind_textn(s, 12, TXT(b, e->fields));
	if (step_done(s) < 0)
		return 0;
	id = sqlite3_last_insert_rowid(w->st->db);
	if (VG_ENDS_PROCESS(e->type) && proc) {
		s = vg_sql(w->st, "UPDATE procs SET exited = ?, exit_code = ? WHERE id = ?");
		if (!s)
			return 0;
		sqlite3_bind_int64(s, 1, (int64_t)e->ts);
		sqlite3_bind_int(s, 2, e->exit_code);
		sqlite3_bind_int64(s, 3, proc);
		if (step_done(s) < 0)
			return 0;
	}
	if (e->type == VG_EV_EXEC && proc && file) {
		s = vg_sql(w->st, "UPDATE procs SET exe_file = ? WHERE id = ?");
		if (!s)
			return 0;
		sqlite3_bind_int64(s, 1, file);
		sqlite3_bind_int64(s, 2, proc);
		if (step_done(s) < 0)
			return 0;
	}
	return id;
}

/* An alert's evidence event: the stored one with its identity, else stored now (its
 * type was not one the store received, or its batch was lost). */
static int64_t evidence_row(struct st_writer *w, const struct st_batch *b, const struct st_event *e)
{
	sqlite3_stmt *s = vg_sql(w->st, "SELECT id FROM events WHERE ts = ? AND cpu = ? AND seq = ? AND host = ?");
	int64_t id = 0;

	if (!s)
		return 0;
	sqlite3_bind_int64(s, 1, (int64_t)e->ts);
	sqlite3_bind_int(s, 2, (int)e->cpu);
	sqlite3_bind_int64(s, 3, (int64_t)e->seq);
	sqlite3_bind_int64(s, 4, w->host);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id ? id : write_event(w, b, e);
}

static int write_alert(struct st_writer *w, const struct st_batch *b, const struct st_alert *a)
{
	struct vg_alert_in in = {
		.host = w->host,
		.ts = a->ts,
		.rule = st_text(b, a->rule),
		.desc = st_text(b, a->desc),
		.output = st_text(b, a->output),
		.tags_json = st_text(b, a->tags),
		.tactics = a->tactics,
		.priority = a->priority,
		.action = vg_action_name(a->action),
		.killed = a->killed,
		.denied = a->denied,
		.proc = w->rows[a->proc],
		.evidence = w->evidence,
		.nevidence = w->nevidence,
	};
	int64_t incident, alert;
	int rc = in.proc && in.rule ? vg_incident_file(w->st, &in, &incident, &alert) : -1;

	w->nevidence = 0;
	return rc;
}

/* The agent's own stats go with its run; another host's with that host. */
static int write_stats(struct st_writer *w, const struct st_batch *b, struct st_str json)
{
	sqlite3_stmt *s = w->fleet ? vg_sql(w->st, "UPDATE hosts SET stats = ? WHERE id = ?")
				   : vg_sql(w->st, "UPDATE runs SET stats = ? WHERE id = ?");

	if (!s)
		return -1;
	vg_bind_textn(s, 1, TXT(b, json));
	sqlite3_bind_int64(s, 2, w->fleet ? w->host : w->run);
	return step_done(s);
}

static int apply(struct st_writer *w, const struct st_batch *b)
{
	sqlite3_stmt *s;

	if (!w->host && !(w->host = host_row(w)))
		return -1;
	if (b->n > w->rows_cap) {
		free(w->rows);
		w->rows_cap = b->n;
		w->rows = calloc(b->n, sizeof(*w->rows));
		if (!w->rows) {
			w->rows_cap = 0;
			return -1;
		}
	}
	w->nevidence = 0;
	w->batch_duplicates = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct st_rec *r = &b->recs[i];
		int64_t id;
		int first;

		if (w->fleet && r->record_seq) {
			if ((first = first_delivery(w, r->record_seq, r->kind == ST_ALERT ? r->alert.ts
								      : r->kind == ST_EVENT ? r->ev.ts : vg_store_now_ns())) < 0)
				return -1;
			if (!first) {
				w->batch_duplicates++;
				w->nevidence = 0; /* an alert's evidence, written or found again, files nothing */
				continue;
			}
		}
		switch (r->kind) {
		case ST_PROC:
			if (!(w->rows[i] = write_proc(w, b, &r->proc)))
				return -1;
			break;
		case ST_EVENT:
			if (!write_event(w, b, &r->ev))
				return -1;
			break;
		case ST_EVIDENCE:
			if (!(id = evidence_row(w, b, &r->ev)))
				return -1;
			if (w->nevidence < (int)(sizeof(w->evidence) / sizeof(w->evidence[0])))
				w->evidence[w->nevidence++] = id;
			break;
		case ST_ALERT:
			if (write_alert(w, b, &r->alert) < 0)
				return -1;
			break;
		case ST_STATS:
			if (write_stats(w, b, r->stats) < 0)
				return -1;
			break;
		}
	}
	s = vg_sql(w->st, "UPDATE runs SET committed = committed + ?, heartbeat = ? WHERE id = ?");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)b->records);
	sqlite3_bind_int64(s, 2, (int64_t)vg_store_now_ns());
	sqlite3_bind_int64(s, 3, w->run);
	return step_done(s);
}

int st_writer_apply(struct st_writer *w, const struct st_batch *const *batches, size_t n)
{
	uint64_t records = 0, duplicates = 0;
	size_t i;

	if (vg_store_exec(w->st, "BEGIN IMMEDIATE") < 0)
		return -1;
	for (i = 0; i < n && apply(w, batches[i]) == 0; i++)
		duplicates += w->batch_duplicates;
	if (i == n && vg_store_exec(w->st, "COMMIT") == 0) {
		w->duplicates += duplicates;
		return 0;
	}
	for (i = 0; i < n; i++)
		records += batches[i]->records;
	fprintf(stderr, "vigil: store %s: %zu batch%s of %llu records failed: %s\n", w->st->path, n,
		n == 1 ? "" : "es", (unsigned long long)records, sqlite3_errmsg(w->st->db));
	vg_store_exec(w->st, "ROLLBACK");
	/* the cache may name rows the rollback removed */
	st_writer_forget(w);
	w->host = 0;
	return -1;
}

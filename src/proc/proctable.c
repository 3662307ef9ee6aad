/* proctable.c — the process table (see proctable.h): a uthash map by pid with a hard cap.
 * When full, the longest-exited process goes first; only if none has exited does the
 * oldest live entry go (counted), because a table that refuses entries loses context
 * for every later event of that process.
 *
 * An entry is on the exited list exactly when its `exited` flag is set; both change only
 * here (mark_exited, exec, delete), so a node is never freed while still linked. */
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>
#include "proc/proctable.h"
#include "proc/procfs.h"

struct node {
	struct vg_proc p;
	UT_hash_handle hh;
	bool exited;
	uint64_t exited_at;
	struct node *prev, *next; /* the exited list (utlist), oldest exit first */
};

struct vg_proctable {
	struct node *map;
	unsigned cap;
	uint64_t evictions;
	pid_t pinned; /* the current event's process: never evicted while it is decoded */
	struct node *exited; /* head of the exited list */
	bool offline;        /* never read /proc */
	unsigned reaped;     /* entries reaped since memory was last given back */
};

/* Reaped entries after which the freed heap goes back to the system: malloc keeps freed
 * pages for reuse, so without it a storm's peak stays resident after the table shrinks. */
#define TRIM_AFTER 1024

static struct node *node_of(const struct vg_proc *p)
{
	return (struct node *)((char *)p - offsetof(struct node, p));
}

struct vg_proctable *vg_proctable_new(unsigned cap)
{
	struct vg_proctable *t = calloc(1, sizeof(*t));

	if (t)
		t->cap = cap ? cap : 1;
	return t;
}

static void proc_release(struct vg_proc *p)
{
	free(p->exe);
	free(p->cmdline);
	free(p->argv);
	free(p->cwd);
}

static void exited_unlink(struct vg_proctable *t, struct node *n)
{
	if (!n->exited)
		return;
	DL_DELETE(t->exited, n);
	n->exited = false;
}

static void node_delete(struct vg_proctable *t, struct node *n)
{
	exited_unlink(t, n);
	HASH_DEL(t->map, n);
	proc_release(&n->p);
	free(n);
}

void vg_proctable_offline(struct vg_proctable *t)
{
	t->offline = true;
}

void vg_proctable_env_from_proc(struct vg_proctable *t, struct vg_proc *p)
{
	if (!t->offline)
		vg_procfs_env(p, p->pid);
}

void vg_proctable_free(struct vg_proctable *t)
{
	struct node *n, *tmp;

	if (!t)
		return;
	HASH_ITER(hh, t->map, n, tmp)
		node_delete(t, n);
	free(t);
}

struct vg_proc *vg_proctable_get(struct vg_proctable *t, pid_t pid)
{
	struct node *n;

	HASH_FIND_INT(t->map, &pid, n);
	return n ? &n->p : NULL;
}

static struct node *pick_victim(struct vg_proctable *t)
{
	struct node *n = t->exited;

	if (n && n->p.pid == t->pinned)
		n = n->next;
	if (n)
		return n;
	for (n = t->map; n && n->p.pid == t->pinned; n = n->hh.next)
		;
	return n;
}

static void make_room(struct vg_proctable *t)
{
	struct node *victim;

	while (HASH_COUNT(t->map) >= t->cap && (victim = pick_victim(t))) {
		node_delete(t, victim);
		t->evictions++;
	}
}

void vg_proctable_pin(struct vg_proctable *t, pid_t pid)
{
	t->pinned = pid;
}

/* A fresh entry for pid, replacing any previous one (pid reuse). */
static struct vg_proc *insert(struct vg_proctable *t, pid_t pid)
{
	struct node *old, *n;

	HASH_FIND_INT(t->map, &pid, old);
	if (old)
		node_delete(t, old);
	make_room(t);
	n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	n->p.pid = pid;
	n->p.exe = strdup("");
	n->p.cmdline = strdup("");
	n->p.cwd = strdup("");
	if (!n->p.exe || !n->p.cmdline || !n->p.cwd)
		abort();
	HASH_ADD_INT(t->map, p.pid, n);
	return &n->p;
}

struct vg_proc *vg_proctable_insert(struct vg_proctable *t, pid_t pid)
{
	return insert(t, pid);
}

void vg_proctable_mark_exited(struct vg_proctable *t, struct vg_proc *p, uint64_t when)
{
	struct node *n = node_of(p);

	if (n->exited)
		return;
	n->exited = true;
	n->exited_at = when;
	DL_APPEND(t->exited, n);
}

void vg_proctable_exec(struct vg_proctable *t, struct vg_proc *p)
{
	exited_unlink(t, node_of(p));
}

bool vg_proc_exited(const struct vg_proc *p, uint64_t *when)
{
	const struct node *n = node_of(p);

	if (when)
		*when = n->exited_at;
	return n->exited;
}

struct vg_proc *vg_proctable_ensure(struct vg_proctable *t, pid_t pid)
{
	struct vg_proc *p = vg_proctable_get(t, pid);

	if (p)
		return p;
	p = insert(t, pid);
	if (!t->offline)
		vg_procfs_read(p, pid);
	return p;
}

int vg_proctable_bootstrap(struct vg_proctable *t)
{
	return vg_procfs_scan(t);
}

int vg_proctable_ancestors(struct vg_proctable *t, const struct vg_proc *p, const struct vg_proc **out,
			   int max)
{
	int n = 0;

	while (n < max && p->ppid > 0 && p->ppid != p->pid) {
		const struct vg_proc *parent = vg_proctable_get(t, p->ppid);

		if (!parent)
			break;
		out[n++] = parent;
		p = parent;
	}
	return n;
}

unsigned vg_proctable_size(const struct vg_proctable *t)
{
	return HASH_COUNT(t->map);
}

uint64_t vg_proctable_evictions(const struct vg_proctable *t)
{
	return t->evictions;
}

unsigned vg_proctable_reap(struct vg_proctable *t, uint64_t now_ns, uint64_t linger_ns)
{
	unsigned n = 0;
	struct node *e;

	while ((e = t->exited) && e->exited_at + linger_ns < now_ns && e->p.pid != t->pinned) {
		node_delete(t, e);
		n++;
	}
	t->reaped += n;
	if (t->reaped >= TRIM_AFTER) {
		malloc_trim(0);
		t->reaped = 0;
	}
	return n;
}

void vg_proc_set_str(char **dst, const char *s, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		abort();
	memcpy(copy, s, len);
	copy[len] = 0;
	free(*dst);
	*dst = copy;
}

void vg_proc_set_argv(struct vg_proc *p, const char *argv, size_t len)
{
	char *cmd;

	while (len && argv[len - 1] == 0)
		len--;
	vg_proc_set_str(&p->argv, argv, len);
	p->argv_len = len;
	vg_proc_set_str(&p->cmdline, argv, len);
	cmd = p->cmdline;
	for (size_t i = 0; i < len; i++)
		if (cmd[i] == 0)
			cmd[i] = ' ';
}

/* Points dst's strings at fresh copies of src's. */
static void copy_strings(struct vg_proc *dst, const struct vg_proc *src)
{
	dst->exe = dst->cmdline = dst->cwd = dst->argv = NULL;
	vg_proc_set_str(&dst->exe, src->exe, strlen(src->exe));
	vg_proc_set_str(&dst->cmdline, src->cmdline, strlen(src->cmdline));
	vg_proc_set_str(&dst->cwd, src->cwd, strlen(src->cwd));
	if (src->argv)
		vg_proc_set_str(&dst->argv, src->argv, src->argv_len);
}

void vg_proc_inherit(struct vg_proc *child, const struct vg_proc *parent)
{
	pid_t pid = child->pid;

	proc_release(child);
	*child = *parent;
	child->pid = pid;
	child->from_proc = false;
	copy_strings(child, parent);
	if (!parent->argv)
		child->argv_len = 0;
}

void vg_proc_copy(struct vg_proc *dst, const struct vg_proc *src)
{
	*dst = *src;
	copy_strings(dst, src);
}

void vg_proc_copy_free(struct vg_proc *p)
{
	proc_release(p);
	p->exe = p->cmdline = p->cwd = p->argv = NULL;
}

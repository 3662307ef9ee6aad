/* proctable.c — the process table (see proctable.h): a uthash map by pid with a hard cap.
 * When full, the longest-exited process goes first; only if none has exited does the
 * oldest live entry go (counted), because a table that refuses entries loses context
 * for every later event of that process. */
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "proc/proctable.h"
#include "proc/procfs.h"

struct node {
	struct vg_proc p;
	UT_hash_handle hh;
};

struct vg_proctable {
	struct node *map;
	unsigned cap;
	uint64_t evictions;
	pid_t pinned; /* the current event's process: never evicted while it is decoded */
	struct vg_proc *exited_head, *exited_tail; /* oldest exit first */
};

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

static void exited_unlink(struct vg_proctable *t, struct vg_proc *p)
{
	if (!p->exited)
		return;
	if (p->lru_prev)
		p->lru_prev->lru_next = p->lru_next;
	else
		t->exited_head = p->lru_next;
	if (p->lru_next)
		p->lru_next->lru_prev = p->lru_prev;
	else
		t->exited_tail = p->lru_prev;
	p->lru_prev = p->lru_next = NULL;
}

static void node_delete(struct vg_proctable *t, struct node *n)
{
	exited_unlink(t, &n->p);
	HASH_DEL(t->map, n);
	proc_release(&n->p);
	free(n);
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
	struct node *n = (struct node *)t->exited_head;

	if (n && n->p.pid == t->pinned)
		n = (struct node *)n->p.lru_next;
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
	if (p->exited)
		return;
	p->exited = true;
	p->exited_at = when;
	p->lru_prev = t->exited_tail;
	p->lru_next = NULL;
	if (t->exited_tail)
		t->exited_tail->lru_next = p;
	else
		t->exited_head = p;
	t->exited_tail = p;
}

struct vg_proc *vg_proctable_ensure(struct vg_proctable *t, pid_t pid)
{
	struct vg_proc *p = vg_proctable_get(t, pid);

	if (p)
		return p;
	p = insert(t, pid);
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

void vg_proc_inherit(struct vg_proc *child, const struct vg_proc *parent)
{
	pid_t pid = child->pid;
	struct vg_proc saved = *child;

	*child = *parent;
	child->pid = pid;
	child->exe = saved.exe;
	child->cmdline = saved.cmdline;
	child->cwd = saved.cwd;
	child->argv = saved.argv;
	child->lru_prev = child->lru_next = NULL;
	child->exited = false;
	child->from_proc = false;
	vg_proc_set_str(&child->exe, parent->exe, strlen(parent->exe));
	vg_proc_set_str(&child->cmdline, parent->cmdline, strlen(parent->cmdline));
	vg_proc_set_str(&child->cwd, parent->cwd, strlen(parent->cwd));
	if (parent->argv)
		vg_proc_set_str(&child->argv, parent->argv, parent->argv_len);
	else
		child->argv_len = 0;
}

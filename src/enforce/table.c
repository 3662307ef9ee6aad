/* table.c — the deny table: the ruleset's deny pins, normalised, with the inode each pinned
 * path had when the table was built, sorted for binary search. Deciding never looks a name
 * up: the opened file is known by its descriptor (inode from statx without syncing, path
 * from the dentry the kernel already holds), so a stalled filesystem or a path an attacker
 * swaps cannot make the decision block or lie. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "enforce/internal.h"

uint64_t deny_kdev(unsigned major, unsigned minor)
{
	return ((uint64_t)major << 20) | minor;
}

bool deny_normalize(const char *path, char *out, size_t len)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= len)
		return false;
	memcpy(out, path, n);
	out[n] = 0;
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct deny_entry *x = a, *y = b;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	if (x->prefix != y->prefix)
		return (int)x->prefix - (int)y->prefix;
	return strcmp(x->path, y->path);
}

static int key_cmp(const void *a, const void *b)
{
	const struct deny_key *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->key.dev != y->key.dev)
		return x->key.dev < y->key.dev ? -1 : 1;
	if (x->key.ino != y->key.ino)
		return x->key.ino < y->key.ino ? -1 : 1;
	return 0;
}

static bool key_of(const char *path, struct vg_inode_key *key)
{
	struct statx sx;

	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_INO, &sx) < 0)
		return false;
	key->dev = deny_kdev(sx.stx_dev_major, sx.stx_dev_minor);
	key->ino = sx.stx_ino;
	return true;
}

struct deny_table *deny_table_build(const struct vg_ruleset *rs, char *why, size_t len)
{
	struct vg_deny_pin *pins = calloc(DENY_PINS_MAX, sizeof(*pins));
	struct deny_table *t = calloc(1, sizeof(*t));
	int n = pins ? vg_rules_deny_pins(rs, pins, DENY_PINS_MAX) : 0;
	char path[VG_PATH_MAX];

	if (!pins || !t || !(t->entries = calloc(n + 1, sizeof(*t->entries))) ||
	    !(t->keys = calloc(n + 1, sizeof(*t->keys)))) {
		snprintf(why, len, "out of memory");
		free(pins);
		deny_table_free(t);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct deny_entry *d = &t->entries[t->n];

		if (!deny_normalize(pins[i].path, path, sizeof(path))) {
			snprintf(why, len, "rule '%s': path too long", pins[i].rule);
			free(pins);
			deny_table_free(t);
			return NULL;
		}
		d->kind = pins[i].kind;
		d->prefix = pins[i].prefix;
		d->path = strdup(path);
		d->len = strlen(path);
		d->rule = strdup(pins[i].rule);
		if (!d->path || !d->rule)
			abort();
		t->n++;
		d->has_key = key_of(path, &d->key);
		/* decided by inode (a hard link elsewhere is the same file; BPF-LSM knows
		 * nothing else) and, in user space, by path too: a file put there later, or
		 * anything below a prefix */
		t->paths[d->kind] = true;
	}
	qsort(t->entries, t->n, sizeof(*t->entries), entry_cmp);
	for (int i = 0; i < t->n; i++)
		if (t->entries[i].has_key)
			t->keys[t->nkeys++] = (struct deny_key){ t->entries[i].key, t->entries[i].kind, i };
	qsort(t->keys, t->nkeys, sizeof(*t->keys), key_cmp);
	free(pins);
	return t;
}

void deny_table_free(struct deny_table *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->n; i++) {
		free(t->entries[i].path);
		free(t->entries[i].rule);
	}
	free(t->entries);
	free(t->keys);
	free(t);
}

const struct deny_entry *deny_by_key(const struct deny_table *t, enum vg_deny_kind kind,
				     const struct vg_inode_key *key)
{
	struct deny_key want = { *key, kind, 0 };
	const struct deny_key *k = bsearch(&want, t->keys, t->nkeys, sizeof(*t->keys), key_cmp);

	return k ? &t->entries[k->entry] : NULL;
}

static bool below(const struct deny_entry *d, const char *path, size_t len)
{
	if (d->len == 1) /* "/" */
		return true;
	return len >= d->len && memcmp(path, d->path, d->len) == 0 && (len == d->len || path[d->len] == '/');
}

const struct deny_entry *deny_by_path(const struct deny_table *t, enum vg_deny_kind kind, const char *path)
{
	struct deny_entry want = { .kind = kind, .prefix = false, .path = (char *)path };
	const struct deny_entry *d = bsearch(&want, t->entries, t->n, sizeof(*t->entries), entry_cmp);
	size_t len = strlen(path);

	if (d)
		return d;
	for (int i = 0; i < t->n; i++)
		if (t->entries[i].kind == kind && t->entries[i].prefix && below(&t->entries[i], path, len))
			return &t->entries[i];
	return NULL;
}

const struct deny_entry *deny_decide_fd(const struct deny_table *t, enum vg_deny_kind kind, int fd,
					char *path, size_t pathlen, bool *ok)
{
	static const char deleted[] = " (deleted)";
	struct vg_inode_key key;
	const struct deny_entry *d;
	struct statx sx;
	char link[32];
	ssize_t n;

	path[0] = 0;
	*ok = true;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_INO, &sx) < 0) {
		*ok = false;
		return NULL;
	}
	key.dev = deny_kdev(sx.stx_dev_major, sx.stx_dev_minor);
	key.ino = sx.stx_ino;
	if ((d = deny_by_key(t, kind, &key)))
		return d;
	if (!t->paths[kind])
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, pathlen - 1);
	if (n <= 0) {
		path[0] = 0;
		*ok = false;
		return NULL;
	}
	path[n] = 0;
	/* an unlinked file keeps its last name, marked; the name is what the rules pin */
	if ((size_t)n > sizeof(deleted) - 1 && strcmp(path + n - (sizeof(deleted) - 1), deleted) == 0)
		path[n - (sizeof(deleted) - 1)] = 0;
	return path[0] == '/' ? deny_by_path(t, kind, path) : NULL;
}

/* internal.h — what the files of src/store/ (and src/incident/, which works on the same
 * connection) share: the open store, its prepared statements, small SQLite helpers. */
#ifndef VIGIL_STORE_INTERNAL_H
#define VIGIL_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include "output/buf.h"
#include "store/store.h"

/* The schema this build writes and reads (PRAGMA user_version); schema.c migrates older
 * files up to it. */
#define VG_STORE_SCHEMA_VERSION 3

#define VG_STORE_STMTS 256 /* distinct SQL texts one connection prepares (a power of two) */

struct vg_store {
	sqlite3 *db;
	char path[4096];
	enum vg_store_mode mode;
	uint64_t window_ns;
	/* prepared statements by the address of their SQL text (each call site passes a
	 * literal), open addressing */
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} stmts[VG_STORE_STMTS];
};

/* The statement for the literal sql, prepared on first use on this connection and kept
 * until close; reset and with bindings cleared, ready to bind. NULL (and a message on
 * stderr) when it does not prepare, which is a bug. */
sqlite3_stmt *vg_sql(struct vg_store *st, const char *sql);
/* Runs sql (no result rows); -1 and a message on stderr when it fails. */
int vg_store_exec(struct vg_store *st, const char *sql);
/* The first column of the first row of sql as an integer (dflt when no row). */
int64_t vg_store_int(struct vg_store *st, const char *sql, int64_t dflt);

/* Binding helpers: NULL / empty strings bind as SQL NULL where that is the meaning. */
void vg_bind_text(sqlite3_stmt *s, int i, const char *p);
void vg_bind_textn(sqlite3_stmt *s, int i, const char *p, size_t len);
/* The column as a C string ("" for NULL). */
const char *vg_col_text(sqlite3_stmt *s, int i);

/* meta(key, value) */
int64_t vg_store_meta_int(struct vg_store *st, const char *key, int64_t dflt);
void vg_store_meta_set_int(struct vg_store *st, const char *key, int64_t value);

#endif

/* runs.c — the run record, its lock and the crash report (runs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "store/internal.h"
#include "store/runs.h"

static const char magic[8] = "VGSTRUN1";

static void when(uint64_t ns, char *out, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Runs that neither closed nor were accounted for yet: the one the counts file names gets
 * its exact loss, earlier ones (their counts file was reused) an unknown one (-1). */
static void account_crashes(struct vg_store *st, const struct st_counts *prev)
{
	sqlite3_stmt *s = vg_sql(st, "SELECT id, pid, started, committed FROM runs WHERE clean = 0"
				     " AND lost_at_crash IS NULL ORDER BY id");
	struct {
		int64_t id, pid, started, committed;
	} runs[64];
	int n = 0;

	if (!s)
		return;
	while (n < 64 && sqlite3_step(s) == SQLITE_ROW) {
		runs[n].id = sqlite3_column_int64(s, 0);
		runs[n].pid = sqlite3_column_int64(s, 1);
		runs[n].started = sqlite3_column_int64(s, 2);
		runs[n].committed = sqlite3_column_int64(s, 3);
		n++;
	}
	sqlite3_reset(s);
	for (int i = 0; i < n; i++) {
		bool known = memcmp(prev->magic, magic, sizeof(magic)) == 0 && prev->run == runs[i].id;
		int64_t lost = -1, dropped = known ? (int64_t)prev->dropped : 0;
		char started[32];
		sqlite3_stmt *u;

		if (known) {
			lost = (int64_t)prev->accepted - runs[i].committed - dropped;
			lost = lost < 0 ? 0 : lost;
		}
		when((uint64_t)runs[i].started, started, sizeof(started));
		if (lost >= 0)
			fprintf(stderr, "vigil: store %s: the previous run (pid %lld, started %s) stopped without "
					"closing the store: %lld records it had accepted were not committed and are "
					"lost (%lld committed, %lld dropped while it ran)\n",
				st->path, (long long)runs[i].pid, started, (long long)lost,
				(long long)runs[i].committed, (long long)dropped);
		else
			fprintf(stderr, "vigil: store %s: run %lld (pid %lld, started %s) stopped without closing "
					"the store; how many records it lost is not known (%lld committed)\n",
				st->path, (long long)runs[i].id, (long long)runs[i].pid, started,
				(long long)runs[i].committed);
		u = vg_sql(st, "UPDATE runs SET lost_at_crash = ?, dropped = ? WHERE id = ?");
		if (!u)
			return;
		sqlite3_bind_int64(u, 1, lost);
		sqlite3_bind_int64(u, 2, dropped);
		sqlite3_bind_int64(u, 3, runs[i].id);
		sqlite3_step(u);
		sqlite3_reset(u);
	}
}

int st_run_begin(struct vg_store *st, struct st_run *r, char *err, size_t errlen)
{
	char path[4200];
	struct st_counts prev = { 0 };
	sqlite3_stmt *s;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s-run", st->path);
	r->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (r->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(r->fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "%s is being written by another vigil run (%s is locked)", st->path, path);
		close(r->fd);
		return -1;
	}
	if (pread(r->fd, &prev, sizeof(prev), 0) != sizeof(prev))
		memset(&prev, 0, sizeof(prev));
	if (ftruncate(r->fd, sizeof(struct st_counts)) < 0 ||
	    (r->counts = mmap(NULL, sizeof(struct st_counts), PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0)) ==
		    MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(r->fd);
		return -1;
	}
	if (vg_store_exec(st, "BEGIN IMMEDIATE") < 0)
		goto fail;
	account_crashes(st, &prev);
	s = vg_sql(st, "INSERT INTO runs(pid, started, heartbeat) VALUES(?, ?2, ?2) RETURNING id");
	if (!s)
		goto fail;
	sqlite3_bind_int64(s, 1, getpid());
	sqlite3_bind_int64(s, 2, (int64_t)vg_store_now_ns());
	if (sqlite3_step(s) == SQLITE_ROW)
		r->id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (!r->id || vg_store_exec(st, "COMMIT") < 0)
		goto fail;
	*r->counts = (struct st_counts){ .run = r->id };
	memcpy(r->counts->magic, magic, sizeof(magic));
	return 0;
fail:
	snprintf(err, errlen, "%s: cannot start a run: %s", st->path, sqlite3_errmsg(st->db));
	vg_store_exec(st, "ROLLBACK");
	munmap(r->counts, sizeof(struct st_counts));
	close(r->fd);
	return -1;
}

void st_run_end(struct vg_store *st, struct st_run *r)
{
	sqlite3_stmt *s = vg_sql(st, "UPDATE runs SET clean = 1, stopped = ?, dropped = ? WHERE id = ?");

	if (s) {
		sqlite3_bind_int64(s, 1, (int64_t)vg_store_now_ns());
		sqlite3_bind_int64(s, 2, (int64_t)r->counts->dropped);
		sqlite3_bind_int64(s, 3, r->id);
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	munmap(r->counts, sizeof(struct st_counts));
	close(r->fd);
}
